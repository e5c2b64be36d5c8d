/** The transfer-learning paper's table: one network, six ways to start it. */
export const COMPARE_CONFIGURATIONS = [
  { name: '2D (slice by slice)', kind: '2d', method: 'none' },
  { name: '3D random init', kind: '3d', method: 'random' },
  { name: '3D centre (zero-weight) init', kind: '3d', method: 'centre' },
  { name: '3D averaging init', kind: '3d', method: 'average' },
  { name: '3D scaling init', kind: '3d', method: 'scale' },
  { name: 'ACS', kind: 'acs', method: 'none' },
] as const;
