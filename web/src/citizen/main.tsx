import { render } from "preact";
import { App } from "./App";
import { Tour } from "./Stage";
import { complain, start, startTour } from "./store";
import "../shared/base.css";
import "./citizen.css";

// ?mode=tour: the expo screen's fly-through, without the app around it.
const tour = new URLSearchParams(location.search).get("mode") === "tour";
render(tour ? <Tour /> : <App />, document.getElementById("app") as HTMLElement);
(tour ? startTour() : start()).catch(complain);
