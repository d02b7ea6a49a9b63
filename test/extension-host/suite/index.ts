// Runs the mocha suites inside the extension host (the entry @vscode/test-electron calls).
import Mocha from 'mocha';
import { registerExtensionSuite } from './extension.suite';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 180_000 });
  mocha.suite.emit('pre-require', globalThis, 'extension.suite', mocha);
  registerExtensionSuite();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
