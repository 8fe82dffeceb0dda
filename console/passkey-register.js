import { passkeysSupported, registerPasskey } from './passkey.js';

const form = document.getElementById('passkey-register');
const error = document.getElementById('passkey-error');
if (!passkeysSupported()) error.textContent = 'This browser cannot create passkeys.';
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  try {
    await registerPasskey(document.getElementById('link-token').value);
    location.assign('/console');
  } catch (e) {
    error.textContent = `No passkey was created: ${e.message}`;
  }
});
