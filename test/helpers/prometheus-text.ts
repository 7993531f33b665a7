/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every
 * sample line is parsed into its name, labels (escapes undone) and value, and any line that is not
 * a comment, a blank or a well-formed sample throws, so a scrape that "contains the right words"
 * but is not a valid exposition fails.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` per metric family. */
  types: Map<string, string>;
  /** The one sample with this name whose labels include `labels`; throws when none or several match. */
  value(name: string, labels?: Record<string, string>): number;
  /** The sum over samples with this name whose labels include `labels` (0 when none). */
  sum(name: string, labels?: Record<string, string>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** As Go's strconv.ParseFloat, which Prometheus uses: NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(text: string, line: string): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value: ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  return value;
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const labelName = LABEL_NAME.exec(line.slice(at))?.[0];
      if (!labelName || line[at + labelName.length] !== '=' || line[at + labelName.length + 1] !== '"') throw new Error(`bad label at ${at}: ${JSON.stringify(line)}`);
      at += labelName.length + 2;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) throw new Error(`unterminated label value: ${JSON.stringify(line)}`);
        at++;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[at++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`bad escape \\${escaped ?? ''}: ${JSON.stringify(line)}`);
        } else value += c;
      }
      if (Object.hasOwn(labels, labelName)) throw new Error(`label ${labelName} twice: ${JSON.stringify(line)}`);
      labels[labelName] = value;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new Error(`expected , or } at ${at}: ${JSON.stringify(line)}`);
    }
    at++;
  }
  if (line[at] !== ' ') throw new Error(`expected a space before the value: ${JSON.stringify(line)}`);
  const [valueText, timestamp, extra] = line.slice(at + 1).split(' ');
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`trailing text: ${JSON.stringify(line)}`);
  return { name, labels, value: parseValue(valueText ?? '', line) };
}

const includes = (labels: Record<string, string>, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => labels[k] === v);

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      else if (!/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) throw new Error(`bad comment line: ${JSON.stringify(line)}`);
      continue;
    }
    samples.push(parseSample(line));
  }
  const matching = (name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && includes(s.labels, labels));
  return {
    samples,
    types,
    value(name, labels = {}) {
      const found = matching(name, labels);
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
      return found[0]!.value;
    },
    sum: (name, labels = {}) => matching(name, labels).reduce((total, s) => total + s.value, 0),
  };
}
