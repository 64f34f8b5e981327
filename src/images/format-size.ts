const MIB = 1024 * 1024;

/**
 * A byte count for people: "10 MiB" for Discord's binary limits, "20 MB" / "52.3 MB"
 * otherwise. Sizes below a megabyte are shown in kB so a small limit is not "0 MB".
 */
export function formatSize(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= 1_000_000) return `${trimDecimal(bytes / 1_000_000)} MB`;
  if (bytes >= 1_000) return `${trimDecimal(bytes / 1_000)} kB`;
  return `${bytes} bytes`;
}

function trimDecimal(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}
