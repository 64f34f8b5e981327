// Types of scripts/build-bot.mjs (plain JavaScript: it runs before anything is compiled).
export declare const BOT_BUNDLE: string;
export declare function buildBundle(entry: string, outfile: string): Promise<string>;
