/**
 * How ACS splits a layer's output channels into (axial, coronal, sagittal) groups: as evenly as
 * possible, the remainder going to the first groups (ACSConv's `acs_kernel_split`).
 */
export function acsSplit(channels: number): [number, number, number] {
  const third = Math.floor(channels / 3);
  switch (channels % 3) {
    case 0:
      return [third, third, third];
    case 1:
      return [third + 1, third, third];
    default:
      return [third + 1, third + 1, third];
  }
}
