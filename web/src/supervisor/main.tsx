import { render } from "preact";
import { App } from "./App";
import { complain, start } from "./store";
import "../shared/base.css";
import "../staff/staff.css";
import "./supervisor.css";

render(<App />, document.getElementById("app") as HTMLElement);
start().catch(complain);
