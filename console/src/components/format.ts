// Fixed locale and time zone: a page is drawn first by the gateway (server-side) and then taken over
// in the browser, and both must write the same text. UTC is the audit log's own clock.
// One formatter for every date: toLocaleString with options builds a new one per call, which a table of 100 rows feels.
const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const hourMinute = new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
export const when = (iso: string | null | undefined): string => (iso ? `${dateTime.format(new Date(iso))} UTC` : '—');
/** `14:00` (UTC): an hour's bar on a chart. */
export const hourOf = (iso: string): string => hourMinute.format(new Date(iso));
export const shortHash = (hash: string): string => `${hash.slice(0, 10)}…`;
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
