/** Every transfer syntax this version decodes, with the codec that decodes it. */
import { PixelCodecRegistry, nativeLittleEndianCodec } from './codecs';
import {
  bigEndianCodec,
  encapsulatedUncompressedCodec,
  jpeg2000Codec,
  jpegCodec,
  jpegLosslessCodec,
  jpegLsCodec,
  jpegProgressiveCodec,
  rleCodec,
} from './compressed';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from './transfer-syntax';

export function defaultPixelCodecs(): PixelCodecRegistry {
  return (
    new PixelCodecRegistry()
      // Deflate applies to the data set (inflated before parsing); its pixel data is then native.
      .register(
        [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN],
        nativeLittleEndianCodec,
      )
      .register([EXPLICIT_VR_BIG_ENDIAN], bigEndianCodec)
      .register(['1.2.840.10008.1.2.1.98'], encapsulatedUncompressedCodec)
      .register(['1.2.840.10008.1.2.5'], rleCodec)
      .register(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51'], jpegCodec)
      // Retired spectral selection and full progression syntaxes (what dcmcjpeg +es / +ep write): 8-bit
      // frames decode; 12-bit ones are refused naming the process (no progressive 12-bit decoder here).
      .register(
        ['1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.54', '1.2.840.10008.1.2.4.55', '1.2.840.10008.1.2.4.56'],
        jpegProgressiveCodec,
      )
      .register(['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70'], jpegLosslessCodec)
      .register(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'], jpegLsCodec)
      .register(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91'], jpeg2000Codec)
  );
}
