import {
  gitHubRepositoryRoutes,
  installationTokenRoute,
  runForgeConformance,
  startGitHubTestServer,
  testAppPrivateKey,
  testGitHubForge,
} from '../testing/index.ts';

const privateKey = testAppPrivateKey();

await runForgeConformance({
  name: 'GitHubForge (local GitHub REST server over a bare git repository)',
  createForge: async ({ bareRepository, protectedBranch }) => {
    const server = await startGitHubTestServer([
      installationTokenRoute('ghs_conformanceToken'),
      ...gitHubRepositoryRoutes({
        owner: 'acme',
        name: 'app',
        bareRepository,
        protectedBranches: [protectedBranch],
      }),
    ]);
    return { forge: testGitHubForge(server, privateKey), close: () => server.close() };
  },
});
