type Axis = [number, number, number];

/**
 * The 48 ways a series can be stored along the patient axes: every signed permutation of them as
 * its row, column and normal directions (axial, coronal, sagittal, each flipped any way).
 */
export function signedAxes(): [Axis, Axis, Axis][] {
  const permutations = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  return permutations.flatMap((perm) =>
    Array.from(
      { length: 8 },
      (_, signs) =>
        perm.map((axis, a): Axis => {
          const v: Axis = [0, 0, 0];
          v[axis] = signs & (1 << a) ? -1 : 1;
          return v;
        }) as [Axis, Axis, Axis],
    ),
  );
}
