// The top bar of a staff page or the board: title, hall, connection, language.

import type { ComponentChildren } from "preact";
import { lang, setLang, translate } from "../shared/i18n";
import { S } from "./texts";

export function TopBar(props: { title: string; hall?: string; status?: string; children?: ComponentChildren }) {
  return (
    <header class="top">
      <h1>
        {props.title}
        {props.hall ? <span class="hallname"> · {props.hall}</span> : null}
      </h1>
      {props.status ? (
        <span class="status" id="status" role="status">
          {translate(S, `st_${props.status}`)}
        </span>
      ) : null}
      {props.children}
      <button
        type="button"
        class="lang"
        id="lang"
        lang={lang.value === "id" ? "en" : "id"}
        aria-label={translate(S, "lang_switch_label")}
        onClick={() => setLang(lang.value === "id" ? "en" : "id")}
      >
        {translate(S, "lang_switch")}
      </button>
    </header>
  );
}
