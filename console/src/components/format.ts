// Written by hand in UTC, not with Intl: a page is drawn first by the gateway (Node's ICU) and then
// taken over in the browser (Chromium's), and both must write exactly the same text whatever their
// ICU versions and the admin's locale. UTC is the audit log's own clock.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
/** `14:00` (UTC): an hour's bar on a chart. */
export const hourOf = (iso: string): string => {
  const d = new Date(iso);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
};
/** `Dec 3, 2026, 17:08 UTC`; a dash for no time. */
export const when = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${hourOf(iso)} UTC`;
};
export const shortHash = (hash: string): string => `${hash.slice(0, 10)}…`;
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
