/**
 * The slice of Foundry's ApplicationV2 API (v12+) that the status window uses, declared from public
 * documentation (types only). Foundry marks the underscore methods protected; here they are public so a
 * subclass can override them.
 */

export interface ApplicationV2Options {
  /** Element id; Foundry replaces "{id}" with a unique number. */
  id?: string;
  /** Extra CSS classes on the root element (concatenated up the class chain). */
  classes?: string[];
  tag?: string;
  /** `title` is a localisation key: Foundry localises it. */
  window?: { title?: string; icon?: string | false; resizable?: boolean; minimizable?: boolean };
  position?: { width?: number | "auto"; height?: number | "auto"; top?: number; left?: number };
}

export interface ApplicationRenderOptions {
  /** Render even when not rendered yet (opens the window). Without it, a closed window stays closed. */
  force?: boolean;
}

export interface ApplicationV2Instance {
  readonly options: ApplicationV2Options;
  readonly rendered: boolean;
  /** Undefined before the first render. */
  readonly element: HTMLElement | undefined;
  render(options?: boolean | ApplicationRenderOptions): Promise<unknown>;
  close(options?: object): Promise<unknown>;
  _prepareContext(options: ApplicationRenderOptions): Promise<object>;
  _onRender(context: object, options: ApplicationRenderOptions): void | Promise<void>;
  _onClose(options: object): void;
}

export interface ApplicationV2Class {
  new (options?: ApplicationV2Options): ApplicationV2Instance;
}

/** `foundry.applications.api`. */
export interface FoundryApplicationsApi {
  ApplicationV2: ApplicationV2Class;
  HandlebarsApplicationMixin(base: ApplicationV2Class): ApplicationV2Class;
}
