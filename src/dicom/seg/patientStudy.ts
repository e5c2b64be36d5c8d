import type { DataSet } from 'dicom-parser';
import { decodeText } from './decodeText';

/** Patient and study attributes a derived object must carry unchanged (dcmjs keyword, tag). */
const PATIENT_STUDY: [string, string][] = [
  ['PatientName', 'x00100010'],
  ['PatientID', 'x00100020'],
  ['PatientBirthDate', 'x00100030'],
  ['PatientSex', 'x00100040'],
  ['StudyDate', 'x00080020'],
  ['StudyTime', 'x00080030'],
  ['StudyID', 'x00200010'],
  ['AccessionNumber', 'x00080050'],
  ['ReferringPhysicianName', 'x00080090'],
  ['StudyDescription', 'x00081030'],
];

/** The patient and study attributes of a header, decoded from its character set. */
export function patientStudyOf(dataSet: DataSet): Record<string, string> {
  return Object.fromEntries(PATIENT_STUDY.map(([key, tag]) => [key, decodeText(dataSet, tag)]));
}
