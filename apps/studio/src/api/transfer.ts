import { authHeaders, failure } from './api-client';

export interface Progress {
  loaded: number;
  total: number;
}

/**
 * POSTs a file as it is (no form encoding) and answers the API's JSON. XMLHttpRequest rather than fetch: only it
 * reports how much of the request body has been sent, and a contact list can be megabytes.
 */
export function uploadFile<T>(path: string, file: Blob, contentType: string, onProgress: (p: Progress) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries({ ...authHeaders(), Accept: 'application/json', 'Content-Type': contentType })) xhr.setRequestHeader(k, v);
    // Upload listeners must be in place before send(), or the browser reports no upload progress at all.
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.upload.onload = () => onProgress({ loaded: file.size, total: file.size });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as T);
        } catch {
          reject(new Error('The server sent an answer that is not JSON.'));
        }
      } else reject(failure(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new Error('The upload did not reach the server. Check your connection and try again.'));
    xhr.onabort = () => reject(new Error('The upload was stopped.'));
    onProgress({ loaded: 0, total: file.size });
    xhr.send(file);
  });
}

/** A file the API serves behind the bearer key, which a plain link cannot send: fetched, then saved from a blob. */
export async function downloadFile(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw failure(res.status, await res.text());
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  // The browser reads the blob after this task; revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
