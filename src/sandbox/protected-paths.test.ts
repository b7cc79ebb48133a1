import { describe, expect, test } from 'vitest';
import { holdsProtectedPath, isProtectedPath, parseProtectedPaths } from './protected-paths.ts';

describe('isProtectedPath', () => {
  test('protects the default entries and everything under them, whatever the case', () => {
    for (const protectedPath of [
      '.git',
      '.git/hooks/pre-commit',
      'vendor/lib/.git/config',
      '.github/workflows/ci.yml',
      '.GitHub/Workflows/ci.yml',
      '.gitlab-ci.yml',
      '.circleci/config.yml',
      'Jenkinsfile',
      '.husky/pre-commit',
      '.envrc',
      '.vscode/tasks.json',
      '.mcp.json',
      'warden.yaml',
      '.warden/policy.cedar',
      './.npmrc',
    ])
      expect(isProtectedPath(protectedPath), protectedPath).toBe(true);
  });

  test('leaves ordinary files, look-alikes and the root alone', () => {
    for (const ordinary of [
      '.',
      'src/index.ts',
      '.github/ISSUE_TEMPLATE/bug.md',
      '.envrc.example',
      'sub/.npmrc',
      '../.envrc',
    ])
      expect(isProtectedPath(ordinary), ordinary).toBe(false);
  });

  test('uses the list it is given, dropping entries that could not be inside the workspace', () => {
    expect(isProtectedPath('deploy/prod.yaml', ['deploy/'])).toBe(true);
    expect(isProtectedPath('.envrc', ['deploy/'])).toBe(false);
    expect(parseProtectedPaths(['/etc', '../x', '', 'ok/']).map((entry) => entry.path)).toEqual(['ok']);
  });
});

describe('holdsProtectedPath', () => {
  test('is true for the root and the directories above an entry, whatever the case', () => {
    for (const holder of ['', '.', '.github', '.GitHub', './.github'])
      expect(holdsProtectedPath(holder), holder).toBe(true);
    for (const other of ['src', '.github/workflows', '.github/ISSUE_TEMPLATE', '.envrc', '../x'])
      expect(holdsProtectedPath(other), other).toBe(false);
    expect(holdsProtectedPath('deploy', ['deploy/prod/'])).toBe(true);
  });
});
