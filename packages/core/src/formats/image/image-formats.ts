import { ConversionError } from '../../errors';
import type { IDisposable } from '../../events';
import type { FormatRegistry, IConvertContext, IValidationIssue } from '../registry';
import { asBuffer, describeHead, isBytes } from './bytes';
import { checkJpeg, decodeJpeg, encodeJpeg } from './jpeg-codec';
import { PNG_SIGNATURE, checkPng, decodePng, encodePng } from './png-codec';
import { checkRgbaImage } from './rgba-image';
import type { IRgbaImage } from './rgba-image';

/**
 * The `image` type. Its native format keeps Girder Worker's name `pil` so Girder Worker specs run
 * unchanged, but holds an IRgbaImage (plain RGBA pixels) rather than a PIL Image. `png` and `jpeg`
 * are encoded bytes (Buffers), `png.base64` is PNG bytes in base64 text. Converters are Girder
 * Worker's: png <-> pil, png <-> png.base64, jpeg <-> pil. Validators look at content where Girder
 * Worker only checked for a string: png must start with the PNG signature, jpeg with the SOI marker,
 * png.base64 must be base64 text of PNG bytes, and pil must have the IRgbaImage shape.
 */
export function registerImageFormats(registry: FormatRegistry): IDisposable[] {
  const type = 'image';
  const d: IDisposable[] = [];
  d.push(registry.registerType({ name: type, nativeFormat: 'pil', description: 'A raster image' }));
  d.push(registry.registerFormat({ type, format: 'pil', validate: checkRgbaImage, description: 'Decoded RGBA pixels (IRgbaImage)' }));
  d.push(registry.registerFormat({ type, format: 'png', validate: checkPng, binary: true, extensions: ['png'], description: 'PNG bytes' }));
  d.push(
    registry.registerFormat({
      type,
      format: 'png.base64',
      validate: Private.checkPngBase64,
      text: true,
      description: 'PNG bytes as base64 text',
    }),
  );
  d.push(
    registry.registerFormat({
      type,
      format: 'jpeg',
      validate: checkJpeg,
      binary: true,
      extensions: ['jpeg', 'jpg'],
      description: 'JPEG bytes',
    }),
  );

  // Registration order is Girder Worker's converter file order; every shortest path is unique anyway.
  const converters: Array<[string, string, (data: unknown) => unknown]> = [
    ['jpeg', 'pil', (v) => decodeJpeg(v as Uint8Array)],
    ['pil', 'jpeg', (v) => encodeJpeg(v as IRgbaImage)],
    ['pil', 'png', (v) => encodePng(v as IRgbaImage)],
    ['png.base64', 'png', (v) => Buffer.from(v as string, 'base64')],
    ['png', 'pil', (v) => decodePng(v as Uint8Array)],
    ['png', 'png.base64', (v) => asBuffer(v as Uint8Array).toString('base64')],
  ];
  for (const [from, to, convert] of converters) {
    d.push(
      registry.registerConverter({
        type,
        from,
        to,
        name: `${from} to ${to}`,
        convert: (data, context) => Private.guarded(from, to, data, context, convert),
      }),
    );
  }
  return d;
}

namespace Private {
  const NOT_BASE64 = /[^A-Za-z0-9+/=\s]/;
  const SIGNATURE_BASE64 = Buffer.from(PNG_SIGNATURE).toString('base64').slice(0, 10);

  /** png.base64: base64 text (whitespace allowed, as in wrapped MIME text) whose bytes start with the PNG signature. */
  export function checkPngBase64(value: unknown): true | string | IValidationIssue {
    if (typeof value !== 'string') return `expected base64 text of PNG bytes, got ${describeHead(value)}`;
    const bad = NOT_BASE64.exec(value);
    if (bad) {
      const before = value.slice(0, bad.index);
      const line = before.split('\n').length;
      const column = bad.index - before.lastIndexOf('\n');
      return { message: `expected base64 text, got the character ${JSON.stringify(bad[0])}`, line, column };
    }
    const head = value.slice(0, 64).replace(/\s+/g, '').slice(0, 12);
    const bytes = Buffer.from(head, 'base64');
    if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
      return `expected base64 of PNG bytes (starting "${SIGNATURE_BASE64}"), got text starting ${JSON.stringify(head)}`;
    }
    return true;
  }

  const WANT: Record<string, string> = { pil: 'decoded image', png: 'PNG bytes', jpeg: 'JPEG bytes', 'png.base64': 'base64 text' };

  /** Encoded formats: bytes for png and jpeg, a string for png.base64. */
  export function hasInputShape(format: string, data: unknown): true | string {
    const ok = format === 'png.base64' ? typeof data === 'string' : isBytes(data);
    return ok || `expected ${WANT[format]}, got ${describeHead(data)}`;
  }

  /** Run a converter, turning a codec's failure into a ConversionError that says what came. */
  export function guarded(from: string, to: string, data: unknown, context: IConvertContext, convert: (data: unknown) => unknown): unknown {
    const shape = from === 'pil' ? checkRgbaImage(data) : hasInputShape(from, data);
    if (shape !== true) {
      throw new ConversionError(`Converting type "image" from "${from}" to "${to}": ${shape}`, {
        ...context,
        type: 'image',
        format: from,
        to,
      });
    }
    try {
      return convert(data);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ConversionError(
        `Converting type "image" from "${from}" to "${to}" failed: expected valid ${WANT[from]}, got ${describeHead(data)} (${why})`,
        { ...context, type: 'image', format: from, to },
        { cause: err },
      );
    }
  }
}
