import ReactMarkdown from 'react-markdown';
import type { Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import rehypeSanitize from 'rehype-sanitize';
import type { ReactNode } from 'react';

interface HastNode {
  type: string;
  value?: string;
  children?: HastNode[];
}

/**
 * Raw HTML in model output becomes the literal text the model wrote, before sanitizing, so a tester
 * sees `<script>` as characters instead of either running it or silently losing it.
 */
function rehypeRawAsText() {
  const visit = (node: HastNode) => {
    if (!node.children) return;
    node.children = node.children.map((child) => (child.type === 'raw' ? { type: 'text', value: child.value ?? '' } : child));
    node.children.forEach(visit);
  };
  return (tree: HastNode) => visit(tree);
}

/** The characters of a hast subtree (a code block's text, exactly as shown). */
function textOfNode(node: HastNode | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOfNode).join('');
}

/** Links and images are shown, never followed or fetched: the renderer has no network and no navigation. */
const components: Components = {
  a: ({ children, href }) => (
    <span className="md-link" title={href ?? undefined}>
      {children}
      {href ? <span className="md-link-target"> ({href})</span> : null}
    </span>
  ),
  img: ({ alt, src }) => (
    <span className="md-image">[image{alt ? `: ${alt}` : ''}{typeof src === 'string' && src ? ` — ${src}` : ''}]</span>
  ),
};

/** A code block with a Copy button; the copy goes through main (`onCopy`), never the page's own clipboard. */
function withCopy(onCopy: (text: string) => void): Components {
  return {
    ...components,
    pre: ({ children, node }) => (
      <div className="code-block">
        <button type="button" className="button copy" onClick={() => onCopy(textOfNode(node as HastNode | undefined))}>Copy</button>
        <pre>{children}</pre>
      </div>
    ),
  };
}

export function Markdown({ text, onCopy }: { text: string; onCopy?: (text: string) => void }): ReactNode {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeRawAsText, rehypeSanitize]} components={onCopy ? withCopy(onCopy) : components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
