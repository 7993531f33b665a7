import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('renderer', 'src');

async function sources(): Promise<Array<{ file: string; text: string }>> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.map(async (file) => ({ file: path.relative(SRC, file), text: await readFile(file, 'utf8') })));
}

/** What the renderer must never do (DESIGN.md, "Client hardening"); the import lint covers modules. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bfetch\s*\(/, 'network access (fetch)'],
  [/\bWebSocket\b/, 'network access (WebSocket)'],
  [/\bXMLHttpRequest\b/, 'network access (XHR)'],
  [/\bEventSource\b/, 'network access (EventSource)'],
  [/dangerouslySetInnerHTML/, 'raw HTML'],
  [/\.innerHTML\s*=/, 'raw HTML'],
  [/rehype-raw/, 'raw HTML in markdown'],
  [/\beval\s*\(|new Function\s*\(/, 'code from strings'],
  [/from ['"]electron['"]|require\(/, 'electron or Node'],
  [/localStorage|indexedDB/, 'local storage of chat content'],
];

describe('renderer sources', () => {
  it('use none of the forbidden capabilities', async () => {
    const found: string[] = [];
    for (const { file, text } of await sources()) {
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(text)) found.push(`${file}: ${what}`);
    }
    expect(found).toEqual([]);
  });

  it('render model output only through the sanitizing Markdown component', async () => {
    const all = await sources();
    const users = all.filter(({ text }) => /from ['"]react-markdown['"]/.test(text)).map(({ file }) => file);
    expect(users).toEqual(['markdown.tsx']);
    const markdown = all.find(({ file }) => file === 'markdown.tsx')!.text;
    expect(markdown).toContain('rehypeSanitize');
  });
});
