import type { Part } from './sdk.js';
import { NoError, type NoErrorCode } from '../contracts/errors.js';

export const JSON_MEDIA_TYPE = 'application/json';
export const TEXT_MEDIA_TYPE = 'text/plain';

/** How text parts are joined into one string. */
export const TEXT_PART_SEPARATOR = '\n';

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: TEXT_MEDIA_TYPE };
}

export function dataPart(value: unknown): Part {
  return { content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: JSON_MEDIA_TYPE };
}

/**
 * The value as it arrives on the other side of a JSON boundary (Dates become strings, `undefined`
 * becomes null); a value JSON cannot carry (BigInt, a cycle, a function) is a typed error, not a
 * silent loss.
 */
export function toJsonValue(value: unknown, what: string, code: NoErrorCode): unknown {
  try {
    const text = JSON.stringify(value ?? null);
    if (text === undefined) throw new Error(`${typeof value} has no JSON form`);
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new NoError(code, `${what} is not JSON-serializable: ${(error as Error).message}`, { cause: error });
  }
}

/** A value as message or artifact parts: a string as one text part, anything else as one JSON data part. */
export function valueToParts(value: unknown, what: string, code: NoErrorCode): Part[] {
  return typeof value === 'string' ? [textPart(value)] : [dataPart(toJsonValue(value, what, code))];
}

type Decoded = { kind: 'text'; text: string } | { kind: 'data'; value: unknown };

function decodePart(part: Part, index: number, what: string): Decoded {
  const isJson = part.mediaType === JSON_MEDIA_TYPE;
  const content = part.content;
  // The v1.0 wire is protobuf JSON, where a null Value is dropped: a JSON part with no content was null.
  if (content === undefined) {
    if (isJson) return { kind: 'data', value: null };
    throw new NoError('INVALID_INPUT', `${what} part ${index} has no content`, { details: { part: index } });
  }
  switch (content.$case) {
    case 'data':
      return { kind: 'data', value: content.value ?? null };
    case 'text':
      if (!isJson) return { kind: 'text', text: content.value };
      try {
        return { kind: 'data', value: JSON.parse(content.value) as unknown };
      } catch (error) {
        throw new NoError('INVALID_INPUT', `${what} part ${index} is declared ${JSON_MEDIA_TYPE} but is not valid JSON: ${(error as Error).message}`, {
          details: { part: index },
        });
      }
    default:
      throw new NoError('INVALID_INPUT', `${what} part ${index} is a file (${content.$case}); only text and JSON data parts are taken`, {
        details: { part: index, kind: content.$case },
      });
  }
}

/**
 * Parts back into one value: text parts only -> their text joined with {@link TEXT_PART_SEPARATOR};
 * one data part -> its data; several data parts -> an array of their data. A text part declared
 * `application/json` counts as a data part (its text parsed). No parts, file parts, a mix of text
 * and data, or unparseable JSON text are typed `INVALID_INPUT` errors.
 */
export function partsToValue(parts: readonly Part[], what: string): unknown {
  if (parts.length === 0) throw new NoError('INVALID_INPUT', `${what} has no parts`);
  const decoded = parts.map((part, index) => decodePart(part, index, what));
  const texts = decoded.flatMap((d) => (d.kind === 'text' ? [d.text] : []));
  const data = decoded.flatMap((d) => (d.kind === 'data' ? [d.value] : []));
  if (texts.length > 0 && data.length > 0) {
    throw new NoError('INVALID_INPUT', `${what} mixes text and data parts; send text parts only, or data parts only`);
  }
  if (texts.length > 0) return texts.join(TEXT_PART_SEPARATOR);
  return data.length === 1 ? data[0] : data;
}
