import { describe, expect, it } from 'vitest';
import { createShellParser } from '../../policy/index.ts';
import { parseInstalls } from './parse-installs.ts';

const parser = createShellParser();
const installs = async (command: string) => parseInstalls((await parser.parse(command)).commands);
const packages = async (command: string) =>
  (await installs(command)).flatMap((install) =>
    install.packages.map((spec) => `${spec.ecosystem}:${spec.name}${spec.version ? `@${spec.version}` : ''}`),
  );

describe('parseInstalls', () => {
  it('reads the package managers and their version specs', async () => {
    expect(await packages('npm install lodash@4.17.21 @types/node@^22 -D --save-exact')).toEqual([
      'npm:lodash@4.17.21',
      'npm:@types/node@^22',
    ]);
    expect(await packages('pnpm add --filter web react && yarn add left-pad@npm:real-pad@1')).toEqual([
      'npm:react',
      'npm:real-pad@1',
    ]);
    expect(await packages('npx cowsay hello && pnpm dlx create-vite app')).toEqual([
      'npm:cowsay',
      'npm:create-vite',
    ]);
    expect(await packages("pip3 install 'requests==2.31.0' 'Django>=4,<5' -t out flask[async]")).toEqual([
      'pypi:requests@==2.31.0',
      'pypi:Django@>=4,<5',
      'pypi:flask',
    ]);
    expect(
      await packages('python -m pip install --upgrade pip && cargo add serde@1 tokio --features full'),
    ).toEqual(['pypi:pip', 'crates:serde@1', 'crates:tokio']);
    expect(
      await packages('cargo install ripgrep --version 14.1.0; go get github.com/spf13/cobra@v1.8.0 ./...'),
    ).toEqual(['crates:ripgrep@14.1.0', 'go:github.com/spf13/cobra@v1.8.0']);
    expect(await packages('sudo npm i lodahs')).toEqual(['npm:lodahs']);
  });

  it('tells lockfile installs, requirement files, scripts and what it cannot judge', async () => {
    const [ci] = await installs('npm ci --ignore-scripts');
    expect(ci).toMatchObject({ fromLockfile: true, ignoresScripts: true, packages: [] });
    const [bare] = await installs('yarn');
    expect(bare).toMatchObject({ fromLockfile: true, manager: 'yarn' });
    const [pip] = await installs('cd sub && pip install -r requirements.txt -e .');
    expect(pip).toMatchObject({
      requirementFiles: ['requirements.txt'],
      cwd: 'sub',
      unjudged: ['. (an editable install)'],
    });
    const [other] = await installs(
      'npm install --registry=http://evil.example x git+https://host/r.git ./local',
    );
    expect(other?.packages.map((spec) => spec.name)).toEqual(['x']);
    expect(other?.unjudged).toEqual([
      '--registry=http://evil.example (another registry)',
      'git+https://host/r.git (not from the registry)',
    ]);
    expect((await installs('npm install $PKG'))[0]?.unjudged).toEqual(['$PKG (only known at run time)']);
    expect(await installs('npm test && npm run build && pip list && go build ./...')).toEqual([]);
  });
});
