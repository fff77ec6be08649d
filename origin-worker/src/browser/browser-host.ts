import { ApiError } from "@ytt/shared";
import puppeteer, { type Browser, type HTTPRequest, type Page } from "puppeteer-core";
import { chromiumArgs, DIRECT, findChromium, type UpstreamOverride } from "./chromium.js";
import { consentCookie } from "./consent.js";
import { createRequestFilter, type RequestFilter } from "./request-filter.js";
import { StaticCache } from "./static-cache.js";
import { type BrowserIdentity, browserIdentity } from "./user-agent.js";

export interface BrowserHostOptions {
  youtubeOrigin: string;
  chromiumPath?: string | undefined;
  userAgent?: string | undefined;
  upstream?: UpstreamOverride | undefined;
  locale: string;
  navigationTimeoutMs: number;
  /** Start a fresh browser after this many jobs (long-lived Chromium grows). */
  recycleAfterJobs: number;
  /** Bound of the versioned static files kept for later jobs (see static-cache.ts); 0: none kept. */
  staticCacheMaxBytes: number;
}

/** What a job's page refused to fetch: kept to tell a redirect off-origin (e.g. google.com/sorry) from other failures. */
export interface JobPage {
  page: Page;
  refusedNavigations: string[];
  /** The job's browser crashed or disconnected: whatever a route says now, the job must be retried. */
  browserGone(): boolean;
}

interface Instance {
  browser: Browser;
  /** What its pages say they are (user-agent.ts). */
  identity: BrowserIdentity;
  jobs: number;
  active: number;
  retiring: boolean;
}

/**
 * One Chromium per worker process, one isolated browser context per job (closed in `finally`,
 * opened with the consent cookie), relaunched when it crashes or disconnects and recycled after a
 * number of jobs.
 */
export class BrowserHost {
  readonly filter: RequestFilter;
  /** Outlives relaunches and recycles: one per worker process. */
  readonly staticCache: StaticCache;
  private readonly executablePath: string;
  private current: Instance | null = null;
  private launching: Promise<Instance> | null = null;
  private closed = false;
  /** Browsers launched so far, relaunches and recycles included. */
  launches = 0;

  constructor(private readonly options: BrowserHostOptions) {
    this.filter = createRequestFilter(options.youtubeOrigin);
    this.staticCache = new StaticCache(options.staticCacheMaxBytes, options.youtubeOrigin);
    this.executablePath = findChromium(options.chromiumPath);
  }

  /** The running browser's process id, for memory accounting. */
  pid(): number | undefined {
    return this.current?.browser.process()?.pid;
  }

  /** The User-Agent its pages send: requests the worker makes itself (collection listings) send the same. */
  async userAgent(): Promise<string> {
    return (await this.acquire()).identity.userAgent;
  }

  private async launch(): Promise<Instance> {
    const browser = await puppeteer.launch({
      executablePath: this.executablePath,
      headless: true,
      // CDP over stdio pipes, not a debugging port: when the worker dies, even by SIGKILL, the pipe
      // closes and Chromium exits with it instead of running on orphaned.
      pipe: true,
      args: chromiumArgs({
        locale: this.options.locale,
        upstream: this.options.upstream,
      }),
      defaultViewport: { width: 1280, height: 720 },
      protocolTimeout: Math.max(30_000, this.options.navigationTimeoutMs * 2),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    this.launches++;
    const identity = browserIdentity(this.options.userAgent ?? (await browser.userAgent()));
    const instance: Instance = { browser, identity, jobs: 0, active: 0, retiring: false };
    browser.once("disconnected", () => {
      if (this.current === instance) this.current = null;
    });
    return instance;
  }

  private async acquire(): Promise<Instance> {
    if (this.closed)
      throw new ApiError("INTERNAL", { details: { cause: "browser", reason: "engine closed" } });
    const current = this.current;
    if (current?.browser.connected && !current.retiring) return current;
    this.launching ??= this.launch()
      .then((instance) => {
        this.current = instance;
        return instance;
      })
      .finally(() => {
        this.launching = null;
      });
    return this.launching;
  }

  private release(instance: Instance) {
    instance.active--;
    if (instance.retiring && instance.active === 0) instance.browser.close().catch(() => {});
  }

  /**
   * Runs `job` on a fresh page in its own browser context, going out through `proxyServer` when
   * given (the job's proxy: a context's proxy is its own); the context is gone when this settles.
   */
  async withPage<T>(
    job: (jobPage: JobPage) => Promise<T>,
    signal?: AbortSignal,
    proxyServer?: string,
  ): Promise<T> {
    let instance: Instance;
    try {
      instance = await this.acquire();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError("INTERNAL", {
        details: { cause: "browser", reason: `launch failed: ${String(error)}` },
      });
    }
    instance.jobs++;
    instance.active++;
    if (instance.jobs >= this.options.recycleAfterJobs) {
      instance.retiring = true;
      if (this.current === instance) this.current = null;
    }
    const context = await instance.browser
      .createBrowserContext({ proxyServer: proxyServer ?? DIRECT })
      .catch((error: unknown) => {
        this.release(instance);
        throw new ApiError("INTERNAL", { details: { cause: "browser", reason: String(error) } });
      });
    const closeContext = () => context.close().catch(() => {});
    signal?.addEventListener("abort", closeContext, { once: true });
    try {
      await context.setCookie(consentCookie(this.options.youtubeOrigin));
      const page = await context.newPage();
      const jobPage: JobPage = {
        page,
        refusedNavigations: [],
        browserGone: () => !instance.browser.connected,
      };
      await this.preparePage(jobPage, instance.identity);
      return await job(jobPage);
    } catch (error) {
      if (!instance.browser.connected) {
        throw new ApiError("INTERNAL", {
          details: { cause: "browser", reason: "the browser crashed or disconnected" },
        });
      }
      throw error;
    } finally {
      signal?.removeEventListener("abort", closeContext);
      await closeContext();
      this.release(instance);
    }
  }

  private async preparePage({ page, refusedNavigations }: JobPage, identity: BrowserIdentity) {
    const { locale, navigationTimeoutMs } = this.options;
    page.setDefaultNavigationTimeout(navigationTimeoutMs);
    page.setDefaultTimeout(navigationTimeoutMs);
    await page.setUserAgent(identity);
    await page.setExtraHTTPHeaders({ "accept-language": `${locale},${locale.split("-")[0]};q=0.9` });
    await page.setRequestInterception(true);
    page.on("request", (request: HTTPRequest) => {
      if (request.isInterceptResolutionHandled()) return;
      const verdict = this.filter.verdict(request.url(), request.resourceType());
      if (verdict === "allow") {
        if (this.staticCache.serve(request)) return;
        request.continue().catch(() => {});
        return;
      }
      if (verdict === "refuse" && request.isNavigationRequest()) refusedNavigations.push(request.url());
      request.abort(verdict === "refuse" ? "accessdenied" : "blockedbyclient").catch(() => {});
    });
    page.on("requestfinished", (request: HTTPRequest) => void this.staticCache.keep(request));
  }

  async close(): Promise<void> {
    this.closed = true;
    const launching = this.launching;
    const instance = this.current ?? (launching ? await launching.catch(() => null) : null);
    this.current = null;
    await instance?.browser.close().catch(() => {});
  }
}
