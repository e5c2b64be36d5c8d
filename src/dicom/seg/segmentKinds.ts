/** A coded concept as DICOM writes it (Code Sequence Macro, SNOMED CT where it exists). */
export interface CodedConcept {
  value: string;
  scheme: string;
  meaning: string;
}

const anatomicalStructure: CodedConcept = {
  value: '123037004',
  scheme: 'SCT',
  meaning: 'Anatomical Structure',
};
const alteredStructure: CodedConcept = {
  value: '49755003',
  scheme: 'SCT',
  meaning: 'Morphologically Altered Structure',
};
const tissue: CodedConcept = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };

/**
 * The short list a user picks a segment's meaning from: each entry is a Segmented Property
 * Category (DICOM CID 7150) with a Segmented Property Type from the context groups it allows.
 * Codes other viewers recognise, so a SEG shows up in them as "organ" or "tumour", not as text.
 */
export const SEGMENT_KINDS = {
  organ: {
    category: anatomicalStructure,
    type: { value: '113343008', scheme: 'SCT', meaning: 'Organ' },
  },
  tumour: {
    category: alteredStructure,
    type: { value: '108369006', scheme: 'SCT', meaning: 'Neoplasm' },
  },
  lesion: {
    category: alteredStructure,
    type: { value: '52988006', scheme: 'SCT', meaning: 'Lesion' },
  },
  tissue: { category: tissue, type: tissue },
  structure: {
    category: anatomicalStructure,
    type: { value: '91723000', scheme: 'SCT', meaning: 'Anatomical structure' },
  },
  fat: { category: tissue, type: { value: '256674009', scheme: 'SCT', meaning: 'Fat' } },
  bone: {
    category: anatomicalStructure,
    type: { value: '272673000', scheme: 'SCT', meaning: 'Bone' },
  },
  vessel: {
    category: anatomicalStructure,
    type: { value: '59820001', scheme: 'SCT', meaning: 'Blood vessel' },
  },
} as const satisfies Record<string, { category: CodedConcept; type: CodedConcept }>;

export type SegmentKind = keyof typeof SEGMENT_KINDS;

export function isSegmentKind(name: string): name is SegmentKind {
  return Object.hasOwn(SEGMENT_KINDS, name);
}

/** The kind whose codes these are, when a SEG from elsewhere used one of the short list's. */
export function kindOfCodes(category: CodedConcept, type: CodedConcept): SegmentKind | undefined {
  const same = (a: CodedConcept, b: CodedConcept) => a.value === b.value && a.scheme === b.scheme;
  return (Object.keys(SEGMENT_KINDS) as SegmentKind[]).find(
    (kind) => same(SEGMENT_KINDS[kind].category, category) && same(SEGMENT_KINDS[kind].type, type),
  );
}
