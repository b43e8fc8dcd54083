// Reconcile's step for the slices the user wrote: EndpointSlices read as they are, legacy
// Endpoints of selector-less Services mirrored into slices (the EndpointSliceMirroring
// controller; see userEndpoints.ts). Each object's reading is cached by the object.
import type { Diagnostic, EndpointSlice, LoadedObject } from '../model';
import type { AdmittedService } from './apiserver';
import { serviceKey } from './admission';
import { cacheFor } from './incremental';
import { mirrorEndpoints, readUserEndpointSlice } from './userEndpoints';

const NO_SLICES: EndpointSlice[] = [];

/** Owns the user slices of the previous run and each object's reading. */
export class UserSlices {
  private current: EndpointSlice[] = NO_SLICES;
  private readonly userSliceCache: WeakMap<
    LoadedObject,
    { slice: EndpointSlice | null; diagnostics: Diagnostic[] }
  >;
  private readonly mirroredCache: WeakMap<LoadedObject, EndpointSlice[]>;

  constructor(keep: boolean) {
    this.userSliceCache = cacheFor(keep);
    this.mirroredCache = cacheFor(keep);
  }

  /** The user slices and mirrored Endpoints of the last run, in object order. */
  get slices(): readonly EndpointSlice[] {
    return this.current;
  }

  /** The slices by the Service they name (namespace/name). */
  byService(): Map<string, EndpointSlice[]> {
    const bySvc = new Map<string, EndpointSlice[]>();
    for (const slice of this.current) {
      const key = `${slice.metadata.namespace}/${slice.serviceName}`;
      const list = bySvc.get(key);
      if (list) list.push(slice);
      else bySvc.set(key, [slice]);
    }
    return bySvc;
  }

  /** User-managed EndpointSlices and mirrored Endpoints; true when they were read again. */
  read(userObjects: LoadedObject[], admitted: AdmittedService[], diagnostics: Diagnostic[]): boolean {
    if (userObjects.length === 0 && this.current.length === 0) return false;
    const userSlices: EndpointSlice[] = [];
    for (const o of userObjects) {
      if (o.kind !== 'EndpointSlice') continue;
      let read = this.userSliceCache.get(o);
      if (!read) {
        const found: Diagnostic[] = [];
        read = { slice: readUserEndpointSlice(o, found), diagnostics: found };
        this.userSliceCache.set(o, read);
      }
      for (const d of read.diagnostics) diagnostics.push(d);
      if (read.slice) userSlices.push(read.slice);
    }
    let selectorServices: Set<string> | null = null;
    for (const o of userObjects) {
      if (o.kind !== 'Endpoints') continue;
      selectorServices ??= new Set(admitted.filter((a) => a.service.selector !== null).map(serviceKey));
      // Endpoints of selector Services are written by the endpoints controller, not mirrored.
      if (selectorServices.has(`${o.namespace}/${o.name}`)) continue;
      let mirrored = this.mirroredCache.get(o);
      if (!mirrored) {
        mirrored = mirrorEndpoints(o);
        this.mirroredCache.set(o, mirrored);
      }
      for (const slice of mirrored) userSlices.push(slice);
    }
    this.current = userSlices;
    return true;
  }
}
