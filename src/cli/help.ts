/** What `comfycord --help` and `comfycord <verb> --help` print: usage, options, examples. */

export const USAGE = `comfycord — run ComfyUI workflow templates, and the Discord bot's tools

Usage:
  comfycord generate <template> [options]   run a template, save its images
  comfycord templates [--server URL]        list templates and what a server lacks
  comfycord register                        register the bot's slash commands with Discord
  comfycord doctor [--no-probe]             check the configuration, Discord and every ComfyUI server
  comfycord backup FILE                     write a consistent copy of the bot's database (while it runs)

Run 'comfycord <command> --help' for a command's options and examples.
Configuration comes from the environment and ./.env (see .env.example).
`;

export const VERB_HELP: Record<string, string> = {
  generate: `Usage: comfycord generate <template> [options]

Fills a template, runs it on ComfyUI with a live progress line on stderr, saves every
output image into --out and prints each saved path on stdout.

<template> is a name from the workflows folder (WORKFLOWS_DIR) or a path to a .json file.

Options:
  --server URL        ComfyUI to use (default: the first COMFY_URL, else http://127.0.0.1:8188)
  --out DIR           folder for the images, created when missing (default: ./output)
  --prompt TEXT       what to make
  --negative TEXT     what to avoid
  --seed N            noise seed (default: random within the node's range)
  --steps N, --cfg X, --width N, --height N, --denoise X
  --image FILE        input image for img2img (a regular file up to ATTACHMENT_MAX_BYTES);
                      repeat it for an edit's references: the 2nd binds image2, the 3rd image3
  --mask FILE         with --image, for an inpaint template: white = change (or transparent
                      pixels); the image's shape, checked before anything is sent
  --set NAME=VALUE    any other option of the template (repeatable)
  --timeout SECONDS   give up after this long, including time ComfyUI is down
                      (default: the template's timeoutSeconds, else 600; 0: never)
  -h, --help          this text

Paths are relative to the folder you run the command in. Exit 0 when the images are
saved, 1 on a failure (one line saying why), 130 on Ctrl-C (the prompt is cancelled on
the server).

Examples:
  comfycord generate txt2img --prompt "a red fox in the snow"
  comfycord generate txt2img --prompt "a lighthouse" --steps 30 --seed 42 --out shots
  comfycord generate img2img --image ./photo.png --prompt "oil painting" --denoise 0.6
  comfycord generate edit --image a.png --image b.png --prompt "give her the hat from the second image"
  comfycord generate inpaint --image ./a.png --mask ./m.png --prompt "a red door"
  comfycord generate txt2img --prompt "a cat" --set batch=4 --server http://gpu:8188
  comfycord generate ./my-workflow.json --set checkpoint=dreamshaper_8.safetensors
  comfycord generate video --prompt "a fox running through snow" --set length=33 --set fps=16
`,
  templates: `Usage: comfycord templates [--server URL]

Lists every template in WORKFLOWS_DIR with its options. With --server, also says what
that ComfyUI lacks for each template (node types, models) and exits 1 if anything does.

Options:
  --server URL   check the templates against this ComfyUI
  -h, --help     this text

Examples:
  comfycord templates
  comfycord templates --server http://127.0.0.1:8188
`,
  register: `Usage: comfycord register

Registers the bot's slash commands with Discord: to DISCORD_GUILD_ID when set (usable at
once), else globally (Discord may take up to an hour). The bot also does this on start
when the commands changed (AUTO_REGISTER); use this after changing them while it runs.

Needs DISCORD_TOKEN (and DISCORD_GUILD_ID for one server).

Options:
  -h, --help   this text

Examples:
  comfycord register
  DISCORD_GUILD_ID=123456789012345678 comfycord register
`,
  doctor: `Usage: comfycord doctor [--no-probe]

Checks everything the bot depends on and prints ✓ or ✗ for each, with the fix under
every ✗: the configuration and templates; DATA_DIR writable with free space; Discord
(the token, the application, the bot in DISCORD_GUILD_ID, its permissions in each
ALLOWED_CHANNELS channel, the registered commands against this checkout's); and each
ComfyUI server (reachable, its version, the node types and models every template
needs, and whether it sends previews). Without DISCORD_TOKEN only ComfyUI is checked.
Safe to run while the bot runs: it only reads from Discord and the store.

The preview check runs a 2-step prompt of a text-to-image template on each server
(its image goes to ComfyUI's temp folder, not output/); --no-probe skips it.

Exit 0 when nothing failed, 1 when anything did.

Options:
  --no-probe   do not run the preview probe prompt
  -h, --help   this text

Examples:
  comfycord doctor
  comfycord doctor --no-probe
  ./run cli -- doctor
`,
  backup: `Usage: comfycord backup FILE

Writes a consistent copy of the bot's database (DATA_DIR/comfycord.db: jobs, channel
settings, server ids) to FILE, through SQLite's online backup. Safe while the bot
runs: the copy is one snapshot, and the bot goes on writing meanwhile. FILE is one
self-contained SQLite file (no -wal beside it), checked before it replaces an existing
FILE; it carries the store's id, so this DATA_DIR accepts it back.

Never back up by copying comfycord.db: recent commits live in comfycord.db-wal, and a
copy of the one without the other is an older, possibly torn state.

To restore: stop the bot, remove DATA_DIR/comfycord.db-wal and comfycord.db-shm, copy
FILE to DATA_DIR/comfycord.db, start the bot.

FILE is relative to the folder you run the command in. Exit 0 when the copy is
written, 1 otherwise (one line saying why).

Options:
  -h, --help   this text

Examples:
  comfycord backup backups/comfycord-$(date +%F).db
  ./run cli -- backup /var/backups/comfycord.db
`,
};

/** The usage of one verb, or null for a verb without one. */
export function helpFor(verb: string): string | null {
  return VERB_HELP[verb] ?? null;
}

/** `--help`/`-h` anywhere before a `--` asks for help. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
