/** The query string of a route that takes no parameters: any parameter is refused (400). */
export class NoQueryDto {}
