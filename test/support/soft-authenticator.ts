// The demo's software passkey, which API-level specs use to sign people in without a browser.
export { SoftAuthenticator } from '../../src/demo/demo-passkey';
