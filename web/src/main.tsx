// The entry point of the web UI (issue 16): renders <App> into #app. No inline script:
// index.html loads this bundle from /assets/ (rolodeskd's CSP allows only 'self').
import { render } from 'preact';
import { App } from './app';
import './style.css';

render(<App />, document.getElementById('app')!);
