import { render } from "preact";
import { App } from "./App";
import { complain, start } from "./store";
import "../shared/base.css";
import "./citizen.css";

render(<App />, document.getElementById("app") as HTMLElement);
start().catch(complain);
