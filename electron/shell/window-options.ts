// Location of the app's pages (the app:// scheme), kept free of Electron imports so the IPC check and
// unit tests can use it.

/** Scheme and host the app's pages are served from; never a remote URL. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'mailcase';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Tells whether a URL is one of the app's own pages, so navigation to it may be allowed. */
export function isAppUrl(url: string): boolean {
  try {
    // URL.origin is "null" for a scheme the URL standard does not know, so scheme and host are compared.
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}
