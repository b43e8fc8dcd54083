// The ONLY module that knows about @vscode/webview-ui-toolkit. The toolkit is deprecated
// upstream; swapping it for @vscode-elements/elements (vscode-single-select, vscode-button)
// means rewriting this file only: the rest of the UI talks to `Dropdown` and `createButton`.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDropdown,
  vsCodeOption,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeDropdown(), vsCodeOption(), vsCodeButton());
}

export interface DropdownOption {
  value: string;
  label: string;
  disabled?: boolean;
}

export interface Dropdown {
  /** The labelled control, ready to insert. */
  readonly element: HTMLElement;
  /** Replaces the options (cheaply skipped when they did not change) and selects `value`. */
  update(options: DropdownOption[], value: string): void;
  setDisabled(disabled: boolean): void;
}

/** A labelled dropdown; `onChange` gets the chosen value (never called for programmatic updates). */
export function createDropdown(id: string, label: string, onChange: (value: string) => void): Dropdown {
  const wrapper = document.createElement('div');
  wrapper.className = 'control';
  const caption = document.createElement('label');
  caption.htmlFor = id;
  caption.textContent = label;
  const select = document.createElement('vscode-dropdown') as HTMLElement & {
    value: string;
    disabled: boolean;
  };
  select.id = id;
  select.setAttribute('position', 'below');
  select.setAttribute('aria-label', label);
  wrapper.append(caption, select);
  let optionsKey = '';
  let updating = false;
  /** The value the last update asked for. */
  let wanted = '';
  select.addEventListener('change', () => {
    if (!updating) onChange(select.value);
  });
  return {
    element: wrapper,
    update(options, value) {
      updating = true;
      try {
        const key = JSON.stringify(options);
        if (key !== optionsKey) {
          optionsKey = key;
          const fragment = document.createDocumentFragment();
          for (const o of options) {
            const option = document.createElement('vscode-option');
            option.setAttribute('value', o.value);
            // User text (service names) only ever as text nodes.
            option.textContent = o.label;
            if (o.disabled) option.setAttribute('disabled', '');
            if (o.value === value) option.setAttribute('selected', '');
            fragment.append(option);
          }
          select.replaceChildren(fragment);
        } else if (select.value !== value) {
          // Options that the dropdown has not registered yet (its slot updates asynchronously, so
          // two snapshots in a row can get here first) ignore the value below and fall back to the
          // option marked selected: keep that mark on the wanted option.
          select
            .querySelectorAll<HTMLElement>('vscode-option')
            .forEach((option) => option.toggleAttribute('selected', option.getAttribute('value') === value));
        }
        if (select.value !== value) select.value = value;
      } finally {
        updating = false;
      }
      wanted = value;
      // And once the dropdown has caught up, show the wanted value if it still shows another.
      requestAnimationFrame(() => {
        if (wanted !== value || select.value === value) return;
        updating = true;
        try {
          select.value = value;
        } finally {
          updating = false;
        }
      });
    },
    setDisabled(disabled) {
      select.disabled = disabled;
    },
  };
}

export function createButton(
  label: string,
  onClick: () => void,
  appearance: 'primary' | 'secondary' = 'secondary',
): HTMLElement {
  const button = document.createElement('vscode-button');
  button.setAttribute('appearance', appearance);
  button.textContent = label;
  button.addEventListener('click', onClick);
  return button;
}
