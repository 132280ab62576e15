import { render } from "preact";
import { App } from "./App";
import "../shared/base.css";
import "./ikm.css";

render(<App />, document.getElementById("app") as HTMLElement);
