import { Enums } from '@cornerstonejs/core';

export type PlaneId = 'axial' | 'coronal' | 'sagittal';

export interface Plane {
  id: PlaneId;
  label: string;
  orientation: Enums.OrientationAxis;
  /** colour of this plane's crosshair line in the other views and of its label */
  color: string;
}

export const PLANES: readonly Plane[] = [
  {
    id: 'axial',
    label: 'Axial',
    orientation: Enums.OrientationAxis.AXIAL,
    color: 'rgb(230, 80, 80)',
  },
  {
    id: 'coronal',
    label: 'Coronal',
    orientation: Enums.OrientationAxis.CORONAL,
    color: 'rgb(90, 200, 90)',
  },
  {
    id: 'sagittal',
    label: 'Sagittal',
    orientation: Enums.OrientationAxis.SAGITTAL,
    color: 'rgb(230, 200, 60)',
  },
];

export const PLANE_IDS: readonly PlaneId[] = PLANES.map((plane) => plane.id);
