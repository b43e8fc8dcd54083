// A large kustomize tree for the bench: `apps` bases (a Deployment and a Service each, with
// their own kustomization), one base listing them all, and a prod overlay with namespace,
// namePrefix, labels into selectors, images, replicas and a strategic-merge patch per app
// — the shape of a real install (nested bases, patches on most workloads).
import type { WorkspaceFile } from '../src/engine';

export function kustomizeTree(apps: number): WorkspaceFile[] {
  const files: WorkspaceFile[] = [];
  const names = Array.from({ length: apps }, (_, i) => `app-${i}`);
  for (const n of names) {
    files.push({ path: `base/${n}/kustomization.yaml`, text: 'resources:\n  - deploy.yaml\n  - svc.yaml\n' });
    files.push({
      path: `base/${n}/deploy.yaml`,
      text: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${n}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: ${n}\n  template:\n    metadata:\n      labels:\n        app: ${n}\n    spec:\n      containers:\n        - name: main\n          image: registry.example/${n}:1.0\n          ports:\n            - name: http\n              containerPort: 8080\n          env:\n            - name: MODE\n              value: base\n`,
    });
    files.push({
      path: `base/${n}/svc.yaml`,
      text: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${n}\nspec:\n  selector:\n    app: ${n}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n`,
    });
  }
  files.push({
    path: 'base/kustomization.yaml',
    text: `resources:\n${names.map((n) => `  - ${n}\n`).join('')}`,
  });
  files.push({
    path: 'overlays/prod/kustomization.yaml',
    text:
      `namespace: prod\nnamePrefix: prod-\nlabels:\n  - pairs:\n      env: prod\n    includeSelectors: true\nresources:\n  - ../../base\n` +
      `images:\n${names.map((n) => `  - name: registry.example/${n}\n    newTag: "2.0"\n`).join('')}` +
      `replicas:\n${names.map((n) => `  - name: ${n}\n    count: 3\n`).join('')}` +
      `patches:\n${names.map((n) => `  - path: patches/${n}.yaml\n`).join('')}`,
  });
  for (const n of names) {
    files.push({
      path: `overlays/prod/patches/${n}.yaml`,
      text: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${n}\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          env:\n            - name: MODE\n              value: prod\n`,
    });
  }
  return files;
}
