// The app version written into every persisted file. Kept in step with package.json by a unit test.
export const APP_VERSION = '0.1.0';
