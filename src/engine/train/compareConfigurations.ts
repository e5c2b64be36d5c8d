/** The transfer-learning paper's table: one network, six ways to start it. */
export const COMPARE_CONFIGURATIONS = [
  { name: '2D (slice by slice)', kind: '2d', method: 'none' },
  { name: '3D random init', kind: '3d', method: 'random' },
  { name: '3D centre (zero-weight) init', kind: '3d', method: 'centre' },
  { name: '3D averaging init', kind: '3d', method: 'average' },
  { name: '3D scaling init', kind: '3d', method: 'scale' },
  { name: 'ACS', kind: 'acs', method: 'none' },
] as const;

/**
 * Table 1 of "2D to 3D Transfer Learning for Medical Images" (Eshed, reference/): mean IoU after
 * 30 epochs on its own data (ImageNet/VOC-pretrained dilated ResNet-18, 2D batch 32, 3D batch 2),
 * keyed by kind for 2D and by init method for 3D. It has no ACS row.
 */
export const PAPER_TABLE_1: Record<string, number> = {
  '2d': 0.3325,
  random: 0.3329,
  centre: 0.3565,
  average: 0.3835,
  scale: 0.3689,
};
