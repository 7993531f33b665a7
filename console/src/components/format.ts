// One formatter for every date: toLocaleString with options builds a new one per call, which a table of 100 rows feels.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const when = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');
export const shortHash = (hash: string): string => `${hash.slice(0, 10)}…`;
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString()} ${n === 1 ? one : many}`;
