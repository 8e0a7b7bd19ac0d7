// splitc.ts — splits a large wasm2c output into translation units gcc can compile
// in parallel (wabt 1.0.32's wasm2c writes one file). The wasm functions lose
// `static` so the units can call each other; the shared function-type table is
// defined in the first unit and declared in the others; the module's
// initialisation code and data segments stay in the first unit only.
//
//   first unit:  preamble (with init code and data) + first share of functions + exports
//   other units: preamble up to the function prototypes + their share of functions
const DEFINITION = /^static (?:[\w ]+?) (w2c_\w+)\(.*\) \{$/;
const PROTOTYPE = /^static (?:[\w ]+?) (w2c_\w+)\(.*\);$/;
const FUNC_TYPES = /^static u32 func_types\[(\d+)\];$/;
/** wasm2c wraps a long signature: "static u32 w2c_f(…, u32 w2c_p7, " then "    u32 w2c_p8) {". */
const WRAPPED = /^static (?:[\w ]+?) w2c_\w+\(.*, $/;

/** Joins each wrapped signature back onto one line, so the patterns above see it. */
function unwrapSignatures(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    while (WRAPPED.test(l) && i + 1 < lines.length) l += lines[++i].trimStart();
    out.push(l);
  }
  return out;
}

/** `firstShare`: the fraction of the functions the first unit takes (it also
 *  carries the data segments and initialisation, so it gets less). */
export function splitC(source: string, parts: number, firstShare = 1 / parts): string[] {
  const lines = unwrapSignatures(source.split("\n"));
  const firstDefinition = lines.findIndex((l) => DEFINITION.test(l));
  if (firstDefinition < 0 || parts < 2) return [source];
  // where the definitions end: the first non-wasm function after them
  let end = lines.length;
  for (let i = lines.length - 1; i > firstDefinition; i--) {
    if (DEFINITION.test(lines[i])) {
      let j = i + 1;
      while (j < lines.length && lines[j] !== "}") j++;
      end = j + 1;
      break;
    }
  }
  const firstPrototype = lines.findIndex((l) => PROTOTYPE.test(l));
  let lastPrototype = firstPrototype;
  while (lastPrototype + 1 < lines.length && PROTOTYPE.test(lines[lastPrototype + 1])) lastPrototype++;
  const unstatic = (l: string) => (DEFINITION.test(l) || PROTOTYPE.test(l) ? l.replace(/^static /, "") : l);

  // the definitions, cut at function boundaries into `parts` shares of similar size
  const starts: number[] = [];
  for (let i = firstDefinition; i < end; i++) if (DEFINITION.test(lines[i])) starts.push(i);
  const boundaries = [firstDefinition];
  for (let p = 1; p < parts; p++) {
    const share = firstShare + ((1 - firstShare) * (p - 1)) / (parts - 1);
    const target = firstDefinition + (end - firstDefinition) * share;
    boundaries.push(starts.find((s) => s >= target) ?? end);
  }
  boundaries.push(end);

  const preamble = lines.slice(0, firstDefinition).map(unstatic);
  const sharedPreamble = lines.slice(0, lastPrototype + 1).map((l) => {
    const m = FUNC_TYPES.exec(l);
    return m ? `extern u32 func_types[${m[1]}];` : unstatic(l);
  });
  const units: string[] = [];
  for (let p = 0; p < parts; p++) {
    const body = lines.slice(boundaries[p], boundaries[p + 1]).map(unstatic);
    if (p === 0) {
      units.push([...preamble.map((l) => (FUNC_TYPES.test(l) ? l.replace(/^static /, "") : l)), ...body, ...lines.slice(end)].join("\n"));
    } else {
      units.push([...sharedPreamble, ...body].join("\n"));
    }
  }
  return units;
}
