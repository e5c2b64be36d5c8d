import dcmjs from 'dcmjs';

/**
 * sRGB 0..255 to DICOM's scaled CIELab (0..65535 each), the only colour a SEG segment may carry.
 * dcmjs's conversion (D65, after dcmtk's) is the one Cornerstone3D and OHIF invert on reading,
 * so a colour survives the trip to those viewers.
 */
export function rgbToDicomLab(rgb: [number, number, number]): [number, number, number] {
  const lab = dcmjs.data.Colors.rgb2DICOMLAB(rgb.map((c) => c / 255));
  return lab.map((v) => Math.min(65535, Math.max(0, Math.round(v)))) as [number, number, number];
}

export function dicomLabToRgb(lab: number[]): [number, number, number] {
  const rgb = dcmjs.data.Colors.dicomlab2RGB(lab);
  return rgb.map((v) => Math.min(255, Math.max(0, Math.round(v * 255)))) as [
    number,
    number,
    number,
  ];
}
