import { NoError } from '../contracts/errors.js';
import { formatPath } from '../contracts/validate.js';
import { messageTooLarge } from './limits.js';

/** Bounds on one encoding: the walk stops the moment the output would pass one of them. */
export interface EncodeBounds {
  /**
   * Most UTF-8 bytes, `startBytes` included. A field that JSON drops (undefined, a function) counts
   * as one byte, so the work of a walk is bounded by this number too, not only its output.
   */
  maxBytes: number;
  /** Deepest nesting of arrays and objects, not counting the `outerDepth` levels above. */
  maxDepth: number;
  /** Bytes spent outside this text that count against maxBytes (a signature field). @default 0 */
  startBytes?: number;
  /** Levels of nesting that do not count (1 when the part that counts is one field of the value). @default 0 */
  outerDepth?: number;
}

type Frame =
  | { kind: 'array'; value: object; items: readonly unknown[]; next: number }
  | { kind: 'object'; value: object; record: Record<string, unknown>; keys: string[]; next: number; wrote: boolean };

// JSON.stringify escapes nothing above U+007F, so any such character makes bytes differ from length.
const NON_ASCII = /[^\x00-\x7f]/;

const droppedByJson = (value: unknown): boolean => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** Longest key shown in an error's path; a longer one (it may be the oversize part) is cut. */
const PATH_KEY_CHARS = 64;

/** Where the walk is: `payload.items[3]`. Built only for an error. */
const pathOf = (stack: readonly Frame[]): string =>
  formatPath(
    stack.map((frame) => {
      if (frame.kind === 'array') return frame.next - 1;
      const key = frame.keys[frame.next - 1] as string;
      return key.length > PATH_KEY_CHARS ? `${key.slice(0, PATH_KEY_CHARS - 3)}...` : key;
    }),
  );

/**
 * Canonical JSON (object keys sorted with Array.prototype.sort at every depth, JSON.stringify's rules
 * for everything else), built with an explicit stack rather than recursion, so no nesting can
 * overflow the call stack, and checked against `bounds` as it goes, so a 20 MB string or a
 * 500,000-key object is refused after a few bytes of work instead of after encoding it.
 * Throws `MESSAGE_TOO_LARGE` (details: `limit`, `max`, `path`) past a bound, and `INVALID_INPUT`
 * for a bigint or a circular reference.
 */
export function encodeJson(value: unknown, bounds?: EncodeBounds): string {
  return new Encoder(bounds).run(value);
}

// A class rather than closures: one encoder per message, and no function objects made per call.
class Encoder {
  private readonly maxBytes: number;
  private readonly maxDepth: number;
  private readonly outerDepth: number;
  private bytes: number;
  // Appending to one string lets V8 build a rope; faster here than pushing parts and joining.
  private out = '';
  private readonly stack: Frame[] = [];
  // Containers on the current path: meeting one again means a cycle (shared, acyclic values are fine).
  private readonly open = new Set<object>();

  constructor(bounds: EncodeBounds | undefined) {
    this.maxBytes = bounds?.maxBytes ?? Number.POSITIVE_INFINITY;
    this.outerDepth = bounds?.outerDepth ?? 0;
    this.maxDepth = (bounds?.maxDepth ?? Number.POSITIVE_INFINITY) + this.outerDepth;
    this.bytes = bounds?.startBytes ?? 0;
  }

  run(top: unknown): string {
    const first = this.resolve(top);
    if (droppedByJson(first)) this.put('null');
    else this.write(first);
    const { stack } = this;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      if (frame.kind === 'array') {
        if (frame.next === frame.items.length) {
          this.close(']', frame);
          continue;
        }
        if (frame.next > 0) this.put(',');
        const item = this.resolve(frame.items[frame.next++]);
        if (droppedByJson(item)) this.put('null');
        else this.write(item);
      } else {
        if (frame.next === frame.keys.length) {
          this.close('}', frame);
          continue;
        }
        const key = frame.keys[frame.next++] as string;
        const item = this.resolve(frame.record[key]);
        if (droppedByJson(item)) {
          this.spend(1);
          continue;
        }
        if (frame.wrote) this.put(',');
        frame.wrote = true;
        this.putString(key);
        this.put(':');
        this.write(item);
      }
    }
    return this.out;
  }

  /** The value JSON encodes: toJSON's result when there is one. */
  private resolve(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    // A typed array or Buffer encodes at least a digit and a comma per element, and its toJSON (or
    // its index keys) would make millions of values first: its length alone decides.
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) this.atLeast(2 * (value as unknown as ArrayLike<unknown>).length + 1);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    return typeof toJSON === 'function' ? (toJSON as () => unknown).call(value) : value;
  }

  /** Writes a scalar, or opens a container; `value` is resolved (toJSON applied) and not dropped. */
  private write(value: unknown): void {
    if (typeof value === 'string') return this.putString(value);
    if (typeof value === 'number' || typeof value === 'boolean') return this.put(JSON.stringify(value));
    if (typeof value === 'bigint') throw this.invalid('a message cannot carry a bigint (not JSON)');
    if (value === null) return this.put('null');
    const container = value as object;
    if (this.open.has(container)) throw this.invalid('a message cannot be circular (not JSON)');
    if (this.stack.length + 1 > this.maxDepth) throw this.tooDeep();
    if (Array.isArray(container)) {
      // At least '[', ']', one byte per item and a comma between items: a sparse 1e9 array stops here.
      this.atLeast(2 * container.length + 1);
      this.put('[');
      this.stack.push({ kind: 'array', value: container, items: container, next: 0 });
    } else {
      const keys = Object.keys(container);
      // At least '{', '}' and one byte per key (a dropped field counts one): no sort of a huge key list.
      this.atLeast(keys.length + 2);
      this.put('{');
      this.stack.push({ kind: 'object', value: container, record: container as Record<string, unknown>, keys: keys.sort(), next: 0, wrote: false });
    }
    this.open.add(container);
  }

  private close(bracket: string, frame: Frame): void {
    this.put(bracket);
    this.open.delete(frame.value);
    this.stack.pop();
  }

  private putString(text: string): void {
    // UTF-8 never takes fewer bytes than UTF-16 code units: a huge string is refused before it is copied.
    this.atLeast(text.length + 2);
    const json = JSON.stringify(text);
    this.put(json, NON_ASCII.test(json) ? Buffer.byteLength(json) : json.length);
  }

  private put(text: string, bytes = text.length): void {
    this.spend(bytes);
    this.out += text;
  }

  private spend(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) throw this.tooLarge(this.bytes);
  }

  /** Refuses now when what comes next will take at least `bytes` more. */
  private atLeast(bytes: number): void {
    if (this.bytes + bytes > this.maxBytes) throw this.tooLarge(this.bytes + bytes);
  }

  private tooLarge(atLeast: number): NoError {
    return messageTooLarge('maxMessageBytes', this.maxBytes, { atLeast, path: pathOf(this.stack) });
  }

  private tooDeep(): NoError {
    return messageTooLarge('maxMessageDepth', this.maxDepth - this.outerDepth, { path: pathOf(this.stack) });
  }

  private invalid(text: string): NoError {
    return new NoError('INVALID_INPUT', text, { details: { path: pathOf(this.stack) } });
  }
}

/**
 * Whether JSON text nests deeper than `max`, from one scan of its brackets outside strings. It runs
 * before JSON.parse, which takes about 3 ms per 1,000 levels of nesting: deep wire text is refused
 * for the price of reading it once.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
