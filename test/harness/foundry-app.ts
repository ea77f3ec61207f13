/**
 * A small stand-in for Foundry's `foundry.applications.api.ApplicationV2` and `HandlebarsApplicationMixin`
 * (v12/v13), faithful in the parts Socket Manager uses, for happy-dom tests and for a real browser (no
 * node: imports). Templates are compiled with the `handlebars` package, with Foundry-like `localize` and
 * `eq` helpers.
 *
 *   installFoundryApplications(window, { loadTemplate, localize });
 *   const { ApplicationV2, HandlebarsApplicationMixin } = window.foundry.applications.api;
 *
 * What it mirrors from Foundry:
 * - `static DEFAULT_OPTIONS` merged up the class chain (arrays such as `classes` concatenated, objects
 *   merged, other values overridden), then the constructor's options; `"{id}"` in `id` becomes a number.
 * - `render(true | { force })`: a window that is not rendered stays closed unless forced. The first render
 *   builds `<div id class="application …">` with a header (localized title, close button) and a
 *   `section.window-content`, appended to `document.body`; later renders replace the parts only.
 *   Renders and closes run one at a time, in call order.
 * - `_prepareContext(options)` → `_preparePartContext(partId, context, options)` → each part's template;
 *   a part must render exactly one root element, which gets `data-application-part="<partId>"`.
 * - `_onRender(context, options)` after every render; `close()` removes the element, then `_onClose`.
 * - `data-action` clicks run `options.actions[action]` (bound to the app); `close` is built in.
 */
import Handlebars from "handlebars";

/** Where Foundry serves Socket Manager's status template from. */
export const STATUS_TEMPLATE_PATH = "modules/socket-manager/templates/status.hbs";

export interface FoundryApplicationsShimOptions {
  loadTemplate(path: string): Promise<string>;
  localize(key: string, data?: object): string;
}

type Action = (this: ShimApplication, event: Event, target: HTMLElement) => unknown;

export interface ShimApplicationOptions {
  id?: string;
  classes?: string[];
  tag?: string;
  window?: { title?: string; icon?: string | false; resizable?: boolean; minimizable?: boolean };
  position?: { width?: number | "auto"; height?: number | "auto"; top?: number; left?: number };
  actions?: Record<string, Action>;
  [key: string]: unknown;
}

export interface ShimRenderOptions {
  force?: boolean;
  isFirstRender?: boolean;
  [key: string]: unknown;
}

interface ShimApplication {
  readonly options: ShimApplicationOptions;
  close(options?: object): Promise<unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Foundry's ApplicationV2 option merge: arrays concatenate, objects merge one level, the rest overrides. */
function mergeOptions(layers: Record<string, unknown>[]): ShimApplicationOptions {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const prior = out[key];
      const copy: unknown = Array.isArray(value) ? [...value] : isPlainObject(value) ? { ...value } : value;
      if (Array.isArray(prior) && Array.isArray(copy)) prior.push(...copy);
      else if (isPlainObject(prior) && isPlainObject(copy)) Object.assign(prior, copy);
      else out[key] = copy;
    }
  }
  return out as ShimApplicationOptions;
}

/** Sets `scope.foundry.applications.api = { ApplicationV2, HandlebarsApplicationMixin }` (merging). */
export function installFoundryApplications(scope: object, opts: FoundryApplicationsShimOptions): void {
  const hbs = Handlebars.create();
  hbs.registerHelper("localize", (key: unknown, options: Handlebars.HelperOptions) => {
    const hash = (options?.hash ?? {}) as Record<string, unknown>;
    return opts.localize(String(key), Object.keys(hash).length > 0 ? hash : undefined);
  });
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  const templates = new Map<string, Promise<Handlebars.TemplateDelegate>>();
  const template = (path: string) => {
    let compiled = templates.get(path);
    if (!compiled) {
      compiled = opts.loadTemplate(path).then((source) => hbs.compile(source));
      // A failed load is not cached, so a later render can try again.
      compiled.catch(() => templates.delete(path));
      templates.set(path, compiled);
    }
    return compiled;
  };
  const doc = (): Document => (scope as { document?: Document }).document ?? globalThis.document;
  let nextAppId = 1;

  class ApplicationV2 implements ShimApplication {
    static DEFAULT_OPTIONS: ShimApplicationOptions = {
      id: "app-{id}",
      classes: [],
      tag: "div",
      window: { title: "", icon: false, resizable: false, minimizable: true },
      position: {},
      actions: {},
    };

    readonly options: ShimApplicationOptions;
    readonly appId = nextAppId++;
    #element: HTMLElement | undefined;
    #queue: Promise<unknown> = Promise.resolve();

    constructor(options: ShimApplicationOptions = {}) {
      const chain: Record<string, unknown>[] = [];
      for (let cls = this.constructor as typeof ApplicationV2 | null; cls; cls = Object.getPrototypeOf(cls)) {
        if (Object.hasOwn(cls, "DEFAULT_OPTIONS")) chain.unshift(cls.DEFAULT_OPTIONS);
        if (cls === ApplicationV2) break;
      }
      this.options = mergeOptions([...chain, options]);
      this.options.id = String(this.options.id ?? "app-{id}").replace("{id}", String(this.appId));
    }

    get id(): string {
      return this.options.id as string;
    }

    get title(): string {
      return opts.localize(this.options.window?.title ?? "");
    }

    get element(): HTMLElement | undefined {
      return this.#element;
    }

    get rendered(): boolean {
      return this.#element !== undefined;
    }

    async _prepareContext(_options: ShimRenderOptions): Promise<object> {
      return {};
    }

    async _renderHTML(_context: object, _options: ShimRenderOptions): Promise<unknown> {
      throw new Error("An Application subclass must implement _renderHTML");
    }

    _replaceHTML(_result: unknown, _content: HTMLElement, _options: ShimRenderOptions): void {
      throw new Error("An Application subclass must implement _replaceHTML");
    }

    async _onRender(_context: object, _options: ShimRenderOptions): Promise<void> {}

    _onClose(_options: object): void {}

    render(options: boolean | ShimRenderOptions = {}): Promise<this> {
      const o: ShimRenderOptions = typeof options === "boolean" ? { force: options } : { ...options };
      return this.#enqueue(async () => {
        if (!this.#element && !o.force) return;
        o.isFirstRender = !this.#element;
        const context = await this._prepareContext(o);
        const result = await this._renderHTML(context, o);
        const element = this.#element ?? this.#renderFrame();
        this._replaceHTML(result, element.querySelector<HTMLElement>(".window-content")!, o);
        if (!this.#element) {
          doc().body.append(element);
          this.#element = element;
        }
        await this._onRender(context, o);
      });
    }

    close(options: object = {}): Promise<this> {
      return this.#enqueue(async () => {
        if (!this.#element) return;
        this.#element.remove();
        this.#element = undefined;
        this._onClose(options);
      });
    }

    #enqueue(step: () => Promise<void>): Promise<this> {
      const run = this.#queue.then(step).then(() => this);
      this.#queue = run.catch(() => undefined);
      return run;
    }

    #renderFrame(): HTMLElement {
      const d = doc();
      const { position = {}, classes = [], tag = "div" } = this.options;
      const root = d.createElement(tag);
      root.id = this.id;
      root.classList.add("application", ...classes);
      const header = d.createElement("header");
      header.className = "window-header";
      const title = d.createElement("h1");
      title.className = "window-title";
      title.textContent = this.title;
      const close = d.createElement("button");
      close.type = "button";
      close.className = "header-control";
      close.dataset.action = "close";
      close.setAttribute("aria-label", opts.localize("Close"));
      header.append(title, close);
      const content = d.createElement("section");
      content.className = "window-content";
      root.append(header, content);
      if (typeof position.width === "number") root.style.width = `${position.width}px`;
      if (typeof position.height === "number") root.style.height = `${position.height}px`;
      root.addEventListener("click", (event) => {
        const target = (event.target as Element | null)?.closest<HTMLElement>("[data-action]");
        const action = target?.dataset.action;
        if (!target || !action) return;
        if (action === "close") void this.close();
        else void this.options.actions?.[action]?.call(this, event, target);
      });
      return root;
    }
  }

  interface Part {
    template: string;
  }

  function HandlebarsApplicationMixin(Base: typeof ApplicationV2): typeof ApplicationV2 {
    return class HandlebarsApplication extends Base {
      static PARTS: Record<string, Part> = {};

      async _preparePartContext(
        _partId: string,
        context: object,
        _options: ShimRenderOptions,
      ): Promise<object> {
        return context;
      }

      override async _renderHTML(
        context: object,
        options: ShimRenderOptions,
      ): Promise<Record<string, string>> {
        const parts = (this.constructor as { PARTS?: Record<string, Part> }).PARTS ?? {};
        const out: Record<string, string> = {};
        for (const [partId, part] of Object.entries(parts)) {
          const partContext = await this._preparePartContext(partId, { ...context }, options);
          out[partId] = (await template(part.template))(partContext, {
            allowProtoPropertiesByDefault: true,
            allowProtoMethodsByDefault: true,
          });
        }
        return out;
      }

      override _replaceHTML(result: unknown, content: HTMLElement, _options: ShimRenderOptions): void {
        for (const [partId, html] of Object.entries(result as Record<string, string>)) {
          const holder = doc().createElement("template");
          holder.innerHTML = html.trim();
          const element = holder.content.firstElementChild as HTMLElement | null;
          if (!element || holder.content.children.length !== 1) {
            throw new Error(`Template part "${partId}" must render a single HTML element`);
          }
          element.dataset.applicationPart = partId;
          const prior = content.querySelector(`[data-application-part="${partId}"]`);
          if (prior) prior.replaceWith(element);
          else content.append(element);
        }
      }
    };
  }

  const target = scope as { foundry?: { applications?: { api?: object } } };
  target.foundry ??= {};
  target.foundry.applications ??= {};
  target.foundry.applications.api = {
    ...target.foundry.applications.api,
    ApplicationV2,
    HandlebarsApplicationMixin,
  };
}
