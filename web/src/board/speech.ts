// What the board says when a number is called, in Bahasa Indonesia: "Nomor
// antrean A seratus dua puluh tiga, silakan ke loket D satu." Pure, so that it
// is tested without a browser; the speaking itself is in sound.ts.

const ONES = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];

/** An Indonesian cardinal for 0..9999 ("sebelas", "seratus", "seribu"...). */
export function cardinalId(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) return String(n);
  if (n < 10) return ONES[n] ?? String(n);
  if (n === 10) return "sepuluh";
  if (n === 11) return "sebelas";
  if (n < 20) return `${ONES[n - 10]} belas`;
  if (n < 100) {
    const rest = n % 10;
    return `${ONES[Math.floor(n / 10)]} puluh${rest ? ` ${cardinalId(rest)}` : ""}`;
  }
  if (n < 1000) {
    const h = Math.floor(n / 100);
    const rest = n % 100;
    return `${h === 1 ? "seratus" : `${ONES[h]} ratus`}${rest ? ` ${cardinalId(rest)}` : ""}`;
  }
  const k = Math.floor(n / 1000);
  const rest = n % 1000;
  return `${k === 1 ? "seribu" : `${ONES[k]} ribu`}${rest ? ` ${cardinalId(rest)}` : ""}`;
}

/** "A-007" -> "A tujuh"; "D1" -> "D satu": letters as letters, each run of digits as a number. */
export function spokenCode(code: string): string {
  return (code.match(/[A-Za-z]+|\d+/g) ?? [])
    .map((part) => (/^\d+$/.test(part) ? cardinalId(Number(part)) : part.toUpperCase().split("").join(" ")))
    .join(" ");
}

export function callSentence(number: string, counter: string): string {
  return `Nomor antrean ${spokenCode(number)}, silakan ke loket ${spokenCode(counter)}.`;
}
