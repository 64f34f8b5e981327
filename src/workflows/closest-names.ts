/**
 * The names of a server list nearest to what a user typed, for a refusal that helps
 * ("closest: dreamshaper_8.safetensors, …"). Case is ignored; a name that contains the
 * typed text (or is contained in it) ranks before mere edit distance.
 */

/** Long names are compared by their first characters only: enough to rank, bounded in time. */
const COMPARED_CHARS = 64;

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function closestNames(typed: string, names: readonly string[], count: number): string[] {
  const wanted = typed.trim().toLowerCase().slice(0, COMPARED_CHARS);
  const ranked = names.map((name, order) => {
    const candidate = name.toLowerCase().slice(0, COMPARED_CHARS);
    const contains = wanted !== '' && (candidate.includes(wanted) || wanted.includes(candidate));
    return { name, order, score: editDistance(wanted, candidate) - (contains ? COMPARED_CHARS : 0) };
  });
  ranked.sort((a, b) => a.score - b.score || a.order - b.order);
  return ranked.slice(0, count).map((entry) => entry.name);
}
