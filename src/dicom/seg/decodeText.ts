import type { DataSet } from 'dicom-parser';

/** DICOM Specific Character Set (single-byte and Unicode ones) -> WHATWG encoding label. */
const ENCODINGS: Record<string, string> = {
  '': 'latin1',
  ISO_IR_6: 'latin1',
  ISO_IR_100: 'latin1',
  ISO_IR_101: 'iso-8859-2',
  ISO_IR_109: 'iso-8859-3',
  ISO_IR_110: 'iso-8859-4',
  ISO_IR_144: 'iso-8859-5',
  ISO_IR_127: 'iso-8859-6',
  ISO_IR_126: 'iso-8859-7',
  ISO_IR_138: 'iso-8859-8',
  ISO_IR_148: 'iso-8859-9',
  ISO_IR_166: 'windows-874',
  ISO_IR_192: 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/**
 * A text attribute decoded with the data set's character set. dicom-parser reads every byte as
 * one character, which garbles UTF-8 names; the SEG is written in UTF-8, so names must be
 * decoded right before they are copied. Character sets with code extensions (ISO 2022) fall back
 * to their first, default repertoire.
 */
export function decodeText(dataSet: DataSet, tag: string): string {
  const element = dataSet.elements[tag];
  if (!element || element.length === 0) return '';
  const charset = (dataSet.string('x00080005') ?? '').split('\\')[0].trim().replace(/ /g, '_');
  const bytes = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
  const text = new TextDecoder(ENCODINGS[charset] ?? 'latin1').decode(bytes);
  return text.replace(/[\0 ]+$/, '').replace(/^ +/, '');
}
