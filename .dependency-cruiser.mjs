// The layer map of src/, checked by dependency-cruiser inside `npm test`. Arrows point
// down only:
//
//   bot.ts, cli/ (entry points; nothing imports them)
//   wiring       (the composition root: builds the bot from the config, hands the
//                 commands their context; only the entry points and tests import it)
//   commands     (slash commands and buttons: talk to the app layer and read core types)
//   app          (the bot's services: job service, executor, server pool, recovery)
//   jobs, workflows, access   (the core: jobs and their scheduler, templates, rules)
//   discord, comfy, store, images   (adapters: they implement the ports the core defines)
//   base         (src/*.ts and redact/: errors, clock, logger, config, redaction, Discord's limits)
//
// Each unit below names the units it may import. The map must stay a directed acyclic
// graph: a cycle in it would allow a cycle between folders, so loading this file throws
// if one is added. Violations present when the check was introduced are listed in
// .dependency-cruiser-known-violations.json; every other one fails `npm test`.

/** Which files make up each unit (a path pattern relative to the repo). */
const units = {
  bot: '^src/bot\\.ts$',
  wiring: '^src/wiring/',
  cli: '^src/(cli/|cli\\.ts$)',
  commands: '^src/commands/',
  app: '^src/app/',
  jobs: '^src/jobs/',
  workflows: '^src/workflows/',
  access: '^src/access/',
  discord: '^src/discord/',
  comfy: '^src/comfy/',
  store: '^src/store/',
  images: '^src/images/',
  base: '^src/(redact/|(?!bot\\.ts$|cli\\.ts$)[^/]+$)',
};

/** The units each unit may import (besides itself). */
const mayImport = {
  bot: ['wiring', 'store', 'base'],
  wiring: ['commands', 'app', 'jobs', 'workflows', 'access', 'discord', 'comfy', 'store', 'images', 'base'],
  cli: ['wiring', 'commands', 'app', 'jobs', 'workflows', 'access', 'discord', 'comfy', 'store', 'images', 'base'],
  commands: ['app', 'jobs', 'workflows', 'access', 'base'],
  app: ['jobs', 'workflows', 'access', 'discord', 'comfy', 'store', 'images', 'base'],
  jobs: ['workflows', 'base'],
  workflows: ['base'],
  access: ['base'],
  discord: ['jobs', 'workflows', 'access', 'images', 'base'],
  comfy: ['jobs', 'workflows', 'images', 'base'],
  store: ['jobs', 'workflows', 'base'],
  images: ['base'],
  base: [],
};

/** Third-party packages that do I/O (network, Discord, images, logging): not for the core. */
const ioPackages = 'node_modules/(@types/)?(discord\\.js|@discordjs/|discord-api-types|ws|undici|sharp|pino|dotenv)/';

const core = ['jobs', 'workflows', 'access'];

function assertAcyclic(graph) {
  const state = new Map();
  const visit = (unit, trail) => {
    if (state.get(unit) === 'done') return;
    if (state.get(unit) === 'open') throw new Error(`.dependency-cruiser.mjs: the layer map has a cycle: ${[...trail, unit].join(' -> ')}`);
    state.set(unit, 'open');
    for (const next of graph[unit] ?? []) visit(next, [...trail, unit]);
    state.set(unit, 'done');
  };
  for (const unit of Object.keys(graph)) visit(unit, []);
}
assertAcyclic(mayImport);

const layerRules = Object.entries(mayImport).map(([unit, allowed]) => ({
  name: `layer-${unit}`,
  severity: 'error',
  comment: `${unit} may import only: ${allowed.length > 0 ? allowed.join(', ') : 'nothing else in src/'}`,
  from: { path: units[unit] },
  to: { path: '^src/', pathNot: [units[unit], ...allowed.map((name) => units[name])] },
}));

export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle between files (type-only imports count).',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'layer-unknown',
      severity: 'error',
      comment: 'A file of src/ outside every unit: add its folder to the layer map in .dependency-cruiser.mjs.',
      from: { path: '^src/', pathNot: Object.values(units) },
      to: {},
    },
    {
      name: 'core-no-io-package',
      severity: 'error',
      comment: 'The core (jobs, workflows, access) talks to the world only through ports that adapters implement.',
      from: { path: core.map((name) => units[name]) },
      to: { path: ioPackages },
    },
    {
      name: 'commands-no-io-package',
      severity: 'error',
      comment: 'Commands answer Discord interactions (discord.js types) but reach ComfyUI, images and files through the app layer.',
      from: { path: units.commands },
      to: { path: 'node_modules/(@types/)?(ws|undici|sharp)/' },
    },
  ],
  options: {
    // Type-only imports are dependencies of the design too: a core type importing an
    // adapter's type is the tangle this check is for.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
