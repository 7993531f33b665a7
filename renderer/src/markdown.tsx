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

export function Markdown({ text }: { text: string }): ReactNode {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeRawAsText, rehypeSanitize]} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
