/** Hands a downloaded blob to the browser as a file (the receipt's PDF). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // let the download start before the URL goes
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
