/**
 * What Wharf's packages log through. `console` fits, and so do the apps' structured loggers;
 * `fields` are extra context, written as JSON.
 */
export interface Logger {
  info(message: string, fields?: object): void;
  warn(message: string, fields?: object): void;
  error(message: string, fields?: object): void;
}
