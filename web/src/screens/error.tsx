// How a failed call is shown on a screen: a 403 as "not allowed" (the API's message
// after it), a 404 as not found, anything else as the API's message with its field errors.
import type { ApiError } from '../api';

export function ErrorMessage({ error }: { error: ApiError }) {
  let text: string;
  if (error.status === 403) text = `You are not allowed to do this. ${error.message}`;
  else if (error.status === 404) text = 'Not found, or not visible to your account.';
  else text = error.detail;
  return (
    <p class="error" role="alert" data-testid="api-error">
      {text}
    </p>
  );
}
