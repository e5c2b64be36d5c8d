import { randomUUID } from 'node:crypto';
import dcmjs from 'dcmjs';

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Our implementation's UID (2.25 root) and version, in every file we write. */
const IMPLEMENTATION_CLASS_UID = '2.25.117281941123475123918712121541';
const IMPLEMENTATION_VERSION = 'ACSWS_010';

/** A UID under the 2.25 root (ISO/IEC 9834-8): from a random UUID, no registered root needed. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/**
 * A DICOM Part 10 file (explicit VR little endian) from a dcmjs-naturalised data set, with the
 * file meta information taken from its SOP Class and Instance UIDs.
 */
export function encodePart10(dataset: Record<string, unknown>): Uint8Array {
  if (typeof dataset.SOPClassUID !== 'string' || typeof dataset.SOPInstanceUID !== 'string') {
    throw new Error('a DICOM file needs its SOP Class UID and SOP Instance UID');
  }
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
