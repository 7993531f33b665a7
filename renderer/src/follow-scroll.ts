import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { KeyboardEvent, RefObject } from 'react';

/** How close to the end still counts as "at the bottom" (a line's height, roughly). */
const SLACK_PX = 32;

/**
 * Follows a growing log only while the reader is at its end: scrolling up stops the following
 * (and `behind` turns true, for a "Jump to latest" button), scrolling back down or `jump` resumes
 * it. Also the log's keyboard: PageUp/PageDown/Home/End scroll it when it has focus.
 */
export function useFollowScroll(log: RefObject<HTMLElement | null>, content: unknown): { behind: boolean; jump: () => void; onScroll: () => void; onKeyDown: (event: KeyboardEvent) => void } {
  const following = useRef(true);
  const [behind, setBehind] = useState(false);

  const onScroll = useCallback(() => {
    const el = log.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= SLACK_PX;
    following.current = atBottom;
    if (atBottom) setBehind(false);
  }, [log]);

  // Before paint, so a followed log never shows a frame with the new text below the fold.
  useLayoutEffect(() => {
    const el = log.current;
    if (!el) return;
    if (following.current) el.scrollTop = el.scrollHeight;
    else if (el.scrollHeight - el.scrollTop - el.clientHeight > SLACK_PX) setBehind(true);
  }, [log, content]);

  const jump = useCallback(() => {
    const el = log.current;
    if (!el) return;
    following.current = true;
    el.scrollTop = el.scrollHeight;
    setBehind(false);
  }, [log]);

  const onKeyDown = useCallback((event: KeyboardEvent) => {
    const el = log.current;
    if (!el || event.target !== el) return;
    const page = el.clientHeight * 0.9;
    const moves: Record<string, () => number> = {
      PageUp: () => el.scrollTop - page,
      PageDown: () => el.scrollTop + page,
      Home: () => 0,
      End: () => el.scrollHeight,
      ArrowUp: () => el.scrollTop - 40,
      ArrowDown: () => el.scrollTop + 40,
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    el.scrollTop = move();
    onScroll();
  }, [log, onScroll]);

  useEffect(() => () => {
    following.current = true;
  }, []);

  return { behind, jump, onScroll, onKeyDown };
}
