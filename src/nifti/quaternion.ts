/** NIfTI qform parameters of a rotation (+ optional reflection), as nifti_mat44_to_quatern. */
export interface Quatern {
  b: number;
  c: number;
  d: number;
  /** -1 when the third axis is reflected (pixdim[0]) */
  qfac: number;
}

/** `columns` are the unit directions of the i, j and k axes in world space. */
export function quaternFromColumns(columns: [number[], number[], number[]]): Quatern {
  const [ci, cj, ck] = columns;
  const det =
    ci[0] * (cj[1] * ck[2] - cj[2] * ck[1]) -
    cj[0] * (ci[1] * ck[2] - ci[2] * ck[1]) +
    ck[0] * (ci[1] * cj[2] - ci[2] * cj[1]);
  const qfac = det < 0 ? -1 : 1;
  // r[row][col]; the reflected third axis is folded into qfac so r stays a proper rotation.
  const r = [0, 1, 2].map((row) => [ci[row], cj[row], qfac * ck[row]]);
  let a = r[0][0] + r[1][1] + r[2][2] + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r[2][1] - r[1][2])) / a;
    c = (0.25 * (r[0][2] - r[2][0])) / a;
    d = (0.25 * (r[1][0] - r[0][1])) / a;
  } else {
    const xd = 1 + r[0][0] - (r[1][1] + r[2][2]);
    const yd = 1 + r[1][1] - (r[0][0] + r[2][2]);
    const zd = 1 + r[2][2] - (r[0][0] + r[1][1]);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r[0][1] + r[1][0])) / b;
      d = (0.25 * (r[0][2] + r[2][0])) / b;
      a = (0.25 * (r[2][1] - r[1][2])) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r[0][1] + r[1][0])) / c;
      d = (0.25 * (r[1][2] + r[2][1])) / c;
      a = (0.25 * (r[0][2] - r[2][0])) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r[0][2] + r[2][0])) / d;
      c = (0.25 * (r[1][2] + r[2][1])) / d;
      a = (0.25 * (r[1][0] - r[0][1])) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac };
}
