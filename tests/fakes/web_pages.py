"""The stand-in web's pages at full length: the paragraphs each page has besides the short core that
tests/fakes/web_corpus.py writes out (its planted facts, the sentences that name their leads, and what
surrounds them).

Real articles are long, and each says things of its own. So every English HTML article here (a forum thread
with more replies) gets paragraphs written for its own site and subject, and the report, the survey and the
sales figures get a few more (their method and scope): a search snippet is then not the whole page, passages
must be chosen, and reading more pages puts more different sentences before a model.
Many of the sentences use the topic's words (heat pump, cold, climate, winter, outdoor unit, ...), so ranking
passages by relevance has real choices to make.

The paragraphs keep the planted-fact design of web_corpus.py intact: they state no figure (no digits), carry
none of its RESULT_CUES, name no study, dataset or organisation (no new leads, none of the planted ones), and
restate no planted fact.
"""

from __future__ import annotations

# Article.key -> the paragraphs that page has besides its core paragraphs.
MORE: dict[str, tuple[str, ...]] = {
    "association/guides/cold-climate-heat-pumps": (
        "Choosing a heat pump for a cold climate starts with the house rather than the catalogue. Walk around the "
        "building on a frosty morning and note where snow melts first on the roof, which rooms feel chilly near the "
        "windows, and where draughts come in around the doors. Those clues tell an installer more about the real "
        "heat demand than the floor area alone. A house with a warm loft, sealed gaps and decent windows can be "
        "heated by a smaller unit that runs steadily through the winter.",
        "Where the outdoor unit goes matters more in the north than in mild regions. It needs free air around it, a "
        "solid base that lifts it above the snow that usually lies in the garden, and a route for defrost water that "
        "will not freeze into a sheet of ice on a path. Avoid corners where drifting snow collects, and keep the "
        "unit out from under a roof edge that drops snow or icicles. A short canopy helps where snowfall is heavy, "
        "provided it does not trap the cold exhaust air so that the unit breathes it in again.",
        "Sizing is the step that decides how the system feels in the coldest weeks. A proper heat loss calculation "
        "works room by room and uses the local design temperature, the coldest conditions the area can expect, "
        "rather than a rule of thumb based on floor area. The installer should then compare that heat loss with the "
        "capacity the heat pump delivers at the design temperature, not with its nominal rating in mild conditions. "
        "If the two do not match, a larger model, a second unit or a planned backup source is needed, and the quote "
        "should say which. Oversizing has costs too: a unit far larger than the house needs starts and stops "
        "constantly in spring and autumn, which wears the compressor and wastes electricity.",
        "Air-to-air heat pumps suit open-plan homes and cabins where one or two indoor units can reach most rooms. "
        "They heat quickly, can cool in summer and need no water circuit, but bedrooms behind closed doors often "
        "stay cooler than the living room. Air-to-water systems feed radiators or underfloor heating and usually "
        "produce domestic hot water as well, so they take over the whole job of an old boiler. Exhaust air heat "
        "pumps, common in newer Nordic houses, recover warmth from the ventilation air but have limited output in "
        "hard frost. Ground-source and lake-source systems need more work in the garden but draw on a source that "
        "does not follow the weather.",
        "Hot water is easy to overlook when comparing heat pumps for cold climates. Heating a tank to a safe "
        "temperature asks more of the compressor than space heating at a low flow temperature, and in midwinter it "
        "competes with the house for capacity. A well-insulated cylinder of adequate size lets the system heat water "
        "at night or whenever electricity is cheaper. Many systems raise the tank temperature now and then to "
        "control bacteria, and it is worth asking how that cycle is scheduled.",
        "Check the electrical supply before signing anything. Larger air-to-water units and their backup heaters "
        "draw substantial current on the coldest mornings, and an old main fuse or a weak service cable can limit "
        "what is possible. An electrician should confirm that the supply can carry the heat pump together with "
        "cooking, laundry and any car charging. Upgrading the connection takes time in rural areas, so it belongs "
        "early in the plan.",
        "Every air-source heat pump in a cold climate has to defrost its outdoor coil from time to time. The unit "
        "briefly moves heat back to the coil to melt the ice, and water runs out of the base of the unit. That water "
        "must drain somewhere it cannot refreeze into a block that grows up into the coil, which is why drain "
        "heaters, gravel beds and raised stands are common in snowy regions. An outdoor unit that looks like an ice "
        "sculpture in January is usually telling you that its drainage needs attention.",
        "Running a heat pump well is different from running a boiler. Steady temperatures with gentle adjustments "
        "give the best efficiency, and the system should be allowed to work continuously rather than in short "
        "bursts. Switching the heat pump off when leaving for a winter weekend usually saves little and risks a "
        "long, inefficient recovery. Most controllers have a holiday mode that keeps the house frost-free at a "
        "modest temperature instead.",
        "Support schemes for heat pumps change often, and the rules differ between countries and sometimes between "
        "municipalities. Some give a grant toward the installation, others reduce the tax on labour, and a few offer "
        "cheap loans tied to an energy assessment. Apply before work starts where the scheme requires it, because "
        "many refuse claims for installations that are already finished. Keep every invoice and the commissioning "
        "documents, since the claim usually needs them.",
        "Running costs depend on electricity prices, on the efficiency the system reaches in your climate and on how "
        "much heat the house needs. Households moving from oil or direct electric heating usually see the largest "
        "savings, while those replacing a modern wood pellet boiler may see less. Time-of-use tariffs help if the "
        "system can shift part of its work, such as water heating, into cheaper hours. A simple meter on the heat "
        "pump's circuit makes it easy to follow its consumption through the winter and to spot problems early.",
        "Noise is rarely a problem if the outdoor unit is placed with some thought. Keep it away from bedroom "
        "windows, both yours and the neighbours', and avoid narrow spaces between walls that reflect sound. Rubber "
        "feet or a separate concrete base stop vibration from travelling into the building structure. Units are "
        "usually quietest in mild weather and loudest on the coldest nights, when they run at high speed.",
        "A heat pump in a cold climate works harder and for more hours than one in a mild region, so build quality "
        "and service access matter. Ask how long spare parts are kept available, whether local technicians are "
        "trained on the brand, and how quickly they can come out in midwinter. A fault during a January cold snap is "
        "a different matter from one in May. Some households keep a portable electric heater or a wood stove ready "
        "for exactly that situation.",
        "Before the installer leaves, ask them to show you the controls, the filters, the drain and the settings "
        "they chose. Write down the heating curve and the backup heater setting so you can tell later whether "
        "anything has been changed. Ask how the system behaves in a power cut and how it restarts afterwards. A "
        "short written handover saves many phone calls in the first winter.",
        "Older houses deserve a few extra checks. Solid stone or log walls store a lot of warmth and respond slowly, "
        "which suits the steady running that heat pumps like, but they may also hide damp that a warmer, drier "
        "indoor climate will slowly draw out. Single-glazed windows and open fireplaces let heat escape quickly and "
        "should be dealt with first. A chimney that is no longer used can be sealed at the top and bottom, which "
        "stops a steady draught that few owners notice until it is gone.",
        "Cabins and holiday homes raise their own questions. A cabin that stands empty for weeks in winter needs "
        "only enough heat to stay above freezing, and an air-to-air unit with a low maintenance setting is often the "
        "cheapest way to provide it. Remote control through a phone app lets owners warm the cabin before they "
        "arrive. Pipes and water tanks still need protection, since a power cut while the cabin is empty can freeze "
        "them within a day in deep frost.",
        "Condensation inside the house is worth a thought before the installation. An air-to-air indoor unit dries "
        "the room air a little as it heats, and the pipes between the indoor and outdoor units must be insulated "
        "along their whole length, or they drip inside the wall in summer when the unit cools. Where the pipes pass "
        "through the outer wall, the hole should slope slightly outwards and be sealed against draughts and insects. "
        "Small details like these decide whether the installation still looks tidy after a few winters.",
        "Choosing between brands is harder than it looks, because most manufacturers sell a standard range and a "
        "cold-climate range that look alike. The cold-climate models usually have a heated base tray, a larger coil, "
        "a compressor designed for low outdoor temperatures and a published capacity in deep frost. Ask the "
        "installer which range the quoted model belongs to, and look for the capacity table in the manufacturer's "
        "documents. A cheap quote for a standard model may not be a bargain in an inland valley.",
        "Insulating before the heat pump arrives often changes what is needed. Loft insulation, cavity wall "
        "insulation and new windows lower the heat loss, so a smaller unit can do the job and run more gently. If "
        "both are planned, do the insulation first and ask for the heat loss calculation afterwards. Doing it the "
        "other way round leaves a heat pump that is larger than the improved house needs.",
        "Expect a learning period in the first winter. The heat pump behaves differently from the old heating, "
        "warming the house slowly and steadily instead of in bursts, and radiators may feel only lukewarm to the "
        "touch while the rooms are comfortable. Resist the urge to turn every setting up when the first frost "
        "arrives. If rooms are too cool after a few days, a small change to the heating curve usually fixes it.",
    ),
    "association/articles/field-data-far-north": (
        "Brochures quote efficiency at standard test conditions, which are chosen so that products can be compared, "
        "not so that they describe a winter in Lapland. In a real home the heat pump faces wind, snow, damp air, "
        "changing habits indoors and an installer's choices about pipes and settings. Field monitoring captures all "
        "of that at once. It is slower and more expensive than a laboratory test, but it answers the question "
        "households actually ask.",
        "A good monitoring campaign meters the heat delivered as well as the electricity used, because a meter on "
        "the supply alone says nothing about how much warmth reached the house. It logs the outdoor temperature at "
        "the site rather than borrowing it from a distant weather station, and it notes when the backup heater runs. "
        "It also keeps track of what the occupants did, since an open window or a sauna evening changes the picture.",
        "Heat meters on air-to-water systems are straightforward: a flow sensor and two temperature probes on the "
        "pipes give the heat output directly. Air-to-air units are harder to monitor, because the warm air leaves "
        "the indoor unit in a broad stream that no simple meter can capture. Researchers use indirect methods for "
        "them, such as combining refrigerant temperatures with the compressor's known behaviour, which brings more "
        "uncertainty. That is one reason why field results for air-to-air units in the north are scarcer than for "
        "air-to-water systems.",
        "Installation quality turns up again and again in monitoring data from northern homes. Pipes left "
        "uninsulated outdoors, a flow temperature set higher than the radiators need, or a backup heater switched on "
        "permanently by mistake can each cost more than the difference between two brands. Errors like these are "
        "invisible to the owner, who only notices a high electricity bill. Monitoring makes them visible, and fixing "
        "them is usually cheap.",
        "The weather during a monitoring campaign matters as much as the equipment. A mild winter flatters every "
        "heat pump, while a single long cold spell can dominate a season's results. Campaigns that run over more "
        "than one winter give a fairer picture, and the best ones compare each home's behaviour with the local "
        "temperature hour by hour. Readers should check which winters a campaign covered before comparing its "
        "results with another.",
        "Occupant behaviour adds its own variation. Some households keep every room at the same temperature day and "
        "night, others heat only the living room and let the bedrooms stay cool, and some light a wood stove at "
        "weekends. Two identical houses with identical heat pumps can therefore use quite different amounts of "
        "electricity. Researchers usually interview households or ask them to keep diaries to make sense of such "
        "differences.",
        "Monitoring also reveals how heat pumps behave in the shoulder seasons, when heat demand is low and units "
        "run at part load. Starting and stopping frequently in spring and autumn wastes energy and wears components, "
        "and it points to units that are larger than the house needs for most of the year. Variable-speed models "
        "handle these conditions better, but only if their controls let them run slowly for long periods.",
        "Public data from field monitoring is still rare in the north. Much of what exists sits with manufacturers, "
        "utilities and installers who collect it for their own purposes and seldom publish it. Open datasets, where "
        "they exist, let independent researchers test claims and compare regions. Universities and industry bodies "
        "have pushed for more of them, and some municipalities now ask for monitoring as a condition of support.",
        "For households, the lesson from field data is encouraging but conditional. Heat pumps do keep northern "
        "homes warm through hard winters, and they do so with far less electricity than direct heating. The homes "
        "that do best are those where the unit was sized with care, the emitters were matched to a low flow "
        "temperature and the controls were left in sensible settings. The homes that do worst usually have a problem "
        "that a careful installer would have caught.",
        "Comparing results between countries needs care. Building traditions differ, so a Finnish timber house and a "
        "Norwegian house of concrete blocks lose heat in different ways. Electricity prices, grid tariffs and the "
        "share of homes on district heating also shape which heat pumps are installed and how they are run. A figure "
        "that is typical in one country may be unusual in its neighbour.",
        "Researchers are also starting to monitor how heat pumps respond to price signals and to requests from the "
        "grid. When a controller shifts heating away from expensive hours, the house stores warmth in its structure "
        "and in the hot water tank. Field data can tell whether that shifting causes discomfort or wastes energy, "
        "which a laboratory cannot easily judge. These questions grow in importance as more northern homes rely on "
        "electricity for heat.",
        "Data quality is a constant worry in long campaigns. Loggers lose power during storms, mobile connections "
        "drop out in remote valleys, and sensors get knocked loose when owners clean or redecorate. Good campaigns "
        "visit every home at least once a season and check the readings against the electricity bills. Gaps are "
        "flagged in the published data rather than quietly filled in, so that readers can judge how much to trust "
        "each month.",
        "Ethics and privacy also shape what field data can show publicly. Minute-by-minute electricity readings "
        "reveal when people wake, cook and leave the house, so campaigns agree with households in advance what will "
        "be published. Most release the data in a form that hides addresses and sometimes shifts timestamps. "
        "Households are usually happy to take part, and many say that watching their own readings taught them how to "
        "run their heating better.",
        "Long campaigns also show how equipment ages. Fans gather dust, coil fins bend after a winter of ice, and "
        "refrigerant can slowly leak from a poorly made joint. A unit that worked well in its first season may lose "
        "ground in its fifth without the owner noticing, which is why some campaigns now ask owners to keep "
        "servicing records alongside the logged data. Early signs of wear are easier to fix than a breakdown in "
        "January.",
        "Campaigns in apartment blocks raise questions of their own. Large buildings often use several heat pumps "
        "linked together, sometimes combined with district heating or with heat recovered from the ventilation. "
        "Monitoring such systems means metering each unit and following how the controls share the load between "
        "them. Results from blocks of flats are harder to compare with those from detached houses, and reports "
        "usually treat them separately.",
        "Weather stations and the heat meters need to agree on time. A clock drifting by a few minutes can make a "
        "defrost look like a fault or hide a short run of the backup heater. Careful campaigns synchronise every "
        "logger regularly and note any correction in the data files. Such care is invisible in the final charts but "
        "decides whether they can be trusted.",
    ),
    "association/news/winter-grid-heat-pumps": (
        "The concern is not the total amount of electricity used over a year, which grows only modestly when heat "
        "pumps replace other heating. It is the shape of demand on a handful of very cold mornings, when people wake "
        "up, showers run, kettles boil and every heating system works at full speed to make up for the night. Grid "
        "companies size their cables and transformers for exactly those moments. If the peak rises faster than the "
        "network can be reinforced, local bottlenecks follow.",
        "Distribution companies see the issue at street level first. A rural line built decades ago for a few farms "
        "may struggle when every house along it gains a large heat pump with an electric backup heater. Voltage "
        "drops at the far end of the line on cold evenings are an early warning sign. Reinforcing such lines is "
        "expensive and slow, so the companies are keen on any measure that spreads the load over more hours.",
        "Backup heaters are a particular worry for planners, because resistance heating turns each unit of "
        "electricity into just one unit of warmth. If many of them switch on together during a cold spell, the load "
        "on the grid climbs steeply just as supply is tightest. Careful sizing of new installations is therefore a "
        "question for the grid as well as for comfort. Some utilities now ask installers to register heat pumps and "
        "their backup heaters so that they can plan ahead.",
        "Hydropower gives the Nordic grid more flexibility than most, since reservoirs can be drawn down faster on "
        "cold days. But transmission between regions has limits, and northern areas with plenty of hydropower are "
        "often far from the southern cities where demand is concentrated. Cold, still weather also tends to coincide "
        "with low wind output, which removes one source of power just when it would help most. Planners therefore "
        "look at the coldest windless week of a typical decade, not at an ordinary winter day.",
        "Not everyone agrees that the concern is urgent. Energy economists note that heat pumps are far more "
        "efficient than the direct electric heaters they often replace, so in many Nordic homes the switch lowers "
        "the peak instead of raising it. Others warn that replacing oil and wood heating in rural areas adds "
        "genuinely new load to lines that were never designed for it. Both can be true at once, in different parts "
        "of the same country.",
        "Households can help without noticing much. A controller that warms the house a little before the morning "
        "peak and eases off during it keeps rooms comfortable, because a well-insulated building cools slowly. Hot "
        "water tanks can be heated at night and left to supply the morning showers. Some electricity suppliers "
        "already offer lower prices to customers who allow this kind of control.",
        "District heating plays a part in the picture too. In cities where most buildings are connected to a heat "
        "network, individual heat pumps matter less to the grid, though large heat pumps inside the networks "
        "themselves are becoming common. Those large units can be switched off during the peak while the network's "
        "storage tanks cover the gap. Outside the cities, where most detached houses stand, individual heat pumps "
        "dominate.",
        "Cold snaps also test the reliability of the heat pumps themselves. A unit that stops with a fault during "
        "the coldest night leaves its home relying on whatever backup it has, often a direct electric heater. "
        "Service companies report more call-outs in the first days of a hard frost, when weaknesses in an "
        "installation come to light. Well-maintained heat pumps are easier for the grid to live with.",
        "For now, the debate is moving from whether heat pumps belong in cold climates to how they should be "
        "installed and controlled. Grid companies, regulators and manufacturers are discussing common standards for "
        "remote control and for sharing what the units are doing. Such standards would let a utility ask thousands "
        "of homes to ease their load for an hour without anyone feeling colder. The technical pieces exist; what "
        "remains is agreeing on the rules.",
        "Electricity prices add another layer to the story. In a tight winter hour, the price on the Nordic power "
        "exchange can jump to many times its usual level, and households on hourly contracts feel it directly. Heat "
        "pump owners who can shift heating away from those hours save money and ease the strain on the grid at the "
        "same time. Those on fixed contracts have no such signal, which is one reason why regulators are looking at "
        "tariffs that reward flexibility.",
        "Rural municipalities worry about a different problem. Where the local network needs upgrading before more "
        "heat pumps can be connected, the cost of reinforcement can fall on a small number of customers. Some grid "
        "companies spread such costs across all their customers, while others charge the household that asks for the "
        "bigger connection. The rules matter for whether families far from towns can afford to leave oil heating "
        "behind.",
        "Manufacturers are responding with heat pumps that can talk to the grid. New models often accept a signal to "
        "lower their power for a short period, and some can report their expected consumption a day ahead. "
        "Installers are not always aware of these features, and many units leave the factory with them switched off. "
        "Households interested in lower tariffs should ask about them when they buy.",
        "Apartment buildings are a growing part of the story. Housing cooperatives in several Nordic cities are "
        "replacing district heating or oil with large heat pumps drawing on boreholes or exhaust air. Their load is "
        "bigger than a house's but easier to manage, since a single controller can shift it. Grid companies are keen "
        "to work with such buildings on flexible connection agreements.",
        "Public opinion has so far been supportive. Heat pumps are familiar in the Nordic countries, and most people "
        "know a neighbour who has one. Questions about the grid have mostly been raised by engineers and planners "
        "rather than by households. That could change if a severe cold spell ever leads to local power cuts, which "
        "is one reason why planners want to stay ahead of the problem.",
        "Lessons are also being drawn from abroad. Regions of North America and Asia with harsh winters have seen "
        "rapid growth in the same technology, and their utilities face the same questions about winter peaks. Nordic "
        "planners follow their experience with demand response programmes and with rules for backup heaters. Sharing "
        "data across borders helps everyone plan better.",
    ),
    "association/articles/how-heat-pumps-work": (
        "The principle is the one a refrigerator uses, run in the other direction. A fridge pulls heat out of its "
        "cabinet and releases it through the coils at the back; a heat pump pulls heat out of the outdoor air or the "
        "ground and releases it inside the house. Even air well below freezing holds a great deal of heat that a "
        "refrigerant colder still can absorb. The compressor's job is to lift that heat to a temperature useful for "
        "warming rooms.",
        "Four main parts make up the refrigerant circuit: an evaporator, a compressor, a condenser and an expansion "
        "valve. The refrigerant boils in the outdoor coil, taking up heat, and the compressor squeezes the vapour "
        "until it is hot. It gives up its heat in the condenser, where it turns back into liquid, and the expansion "
        "valve lowers its pressure so that the cycle can start again. A reversing valve lets most air-source units "
        "run the cycle backwards, for cooling in summer and for defrosting in winter.",
        "Refrigerants have changed over the years as the rules on climate and ozone have tightened. Older units used "
        "gases with a high global warming potential, while many newer models use propane or carbon dioxide, which do "
        "far less harm if they leak. Propane works well at low outdoor temperatures and allows high water "
        "temperatures, which suits the radiators of older houses. Carbon dioxide units are especially good at "
        "heating domestic hot water.",
        "The compressor is the heart of the system and its largest user of electricity. Older heat pumps had "
        "fixed-speed compressors that were either fully on or off, so they started and stopped often in mild "
        "weather. Inverter-driven compressors vary their speed to match the heat demand, running slowly for long "
        "hours in mild weather and speeding up in the cold. That flexibility is a large part of why modern heat "
        "pumps handle northern winters far better than earlier generations.",
        "Flow temperature is the temperature of the water sent to the radiators or floor loops, and it matters a "
        "great deal for efficiency. The lower it is, the less the compressor has to lift the heat, and the more heat "
        "each unit of electricity delivers. Underfloor heating works at low flow temperatures and suits heat pumps "
        "very well. Small radiators may need hotter water to keep rooms warm on cold days, which costs efficiency.",
        "Weather compensation is the control strategy that ties the flow temperature to the outdoor temperature. On "
        "a mild day the system sends cooler water, and as the weather gets colder it gradually raises the flow "
        "temperature along a curve set by the installer. A well-tuned curve keeps rooms steady without the heat pump "
        "running hotter than it needs to. Many owners never touch it, which is fine if the installer set it up "
        "carefully.",
        "Ground-source systems replace the outdoor fan and coil with pipes buried in the garden or lowered into a "
        "borehole. A mixture of water and antifreeze circulates through the pipes and carries heat from the ground "
        "to the heat pump indoors. Because the source changes far less than outdoor air, these systems never need to "
        "defrost and keep a steady output through the winter. Water-source systems work the same way, with pipes "
        "laid on the bed of a lake or in a well.",
        "Exhaust air heat pumps are a variant common in Nordic new builds. They take the warm, stale air that the "
        "ventilation removes from kitchens and bathrooms and recover its heat before it leaves the house. That heat "
        "goes to hot water and radiators, and a small electric heater tops up in cold weather. Their output is "
        "limited by how much air the ventilation moves, so they suit well-insulated houses best.",
        "Hybrid systems pair a heat pump with a boiler, usually gas or oil, and let a controller choose between "
        "them. The heat pump covers most of the year, and the boiler takes over when it is very cold or when "
        "electricity is expensive. Hybrids are a common step in homes where the radiators cannot yet be upgraded. In "
        "the Nordic countries they are less common, since oil boilers are being phased out altogether.",
        "Defrosting is the price an air-source heat pump pays for taking heat from cold, moist air. Water vapour "
        "freezes on the fins of the outdoor coil, and a growing layer of frost chokes the airflow. The controller "
        "notices the change, usually from the coil temperature or the fan's effort, and briefly reverses the cycle "
        "to melt the ice. Good controllers defrost only when needed, rather than on a fixed timer.",
        "A buffer tank sometimes sits between the heat pump and the radiators. It gives the system a little stored "
        "heat, which helps during defrosts and keeps the compressor from starting and stopping in mild weather. "
        "Modern variable-speed units need one less often than older designs, and an unnecessary buffer adds heat "
        "losses and cost. Installers disagree about when one is worth having, so it is fair to ask why a quote "
        "includes one.",
        "Heat pumps are judged by two related ratings. The coefficient of performance describes a single operating "
        "point, such as a given outdoor and water temperature, while seasonal ratings sum up a whole heating season "
        "in a reference climate. Both are ratios of heat out to electricity in, so a higher number is better. "
        "Neither says how much heat the unit can deliver, which is a separate figure called capacity.",
        "The outdoor unit of an air-source heat pump holds the compressor, the fan and the outdoor coil, while the "
        "indoor side holds either a fan coil for room air or a heat exchanger for water. The two are joined by "
        "insulated refrigerant pipes and a control cable. In monobloc designs the whole refrigerant circuit sits "
        "outdoors and only water pipes enter the house, which simplifies installation and keeps the refrigerant "
        "outside. Split designs keep part of the circuit indoors and need a certified technician to connect them.",
        "Controls have become the part of a heat pump that owners interact with most. A typical controller reads the "
        "outdoor temperature, the flow and return temperatures and sometimes a room sensor, and adjusts the "
        "compressor speed, the pumps and the backup heater. Many units can now be reached from a phone, which makes "
        "it easy to check the settings or warm a house before arriving. Good controls are easy to read and hard to "
        "set up wrongly.",
        "Heat pumps are also used to heat swimming pools, greenhouses and industrial processes. Large industrial "
        "heat pumps recover warmth from cooling water, sewage or data centres and feed it into district heating "
        "networks. The principle is the same as in a home unit, only on a much larger scale and usually with a "
        "warmer source. In the Nordic countries such plants already supply a good share of the heat in several "
        "cities.",
        "The idea is far from new, and the first machines that moved heat with a compressor were built in the "
        "nineteenth century, and large heat pumps heated buildings in Switzerland during the Second World War, when "
        "coal was scarce. The oil crises of the seventies made them attractive in Sweden, where many houses already "
        "had electric heating. Reliable, affordable units for homes only became common much later, with better "
        "compressors and controls.",
    ),
    "association/articles/heat-pump-dryers": (
        "A heat pump dryer works as a small closed loop: warm, dry air passes through the wet laundry and picks up "
        "moisture, then passes over a cold coil where the water condenses out. The same refrigerant circuit warms "
        "the air again before it returns to the drum. Because the heat is reused instead of blown outside, the room "
        "around the dryer stays cooler and no vent through the wall is needed. The collected water goes into a tank "
        "or straight to a drain.",
        "Drying takes longer because the air in a heat pump dryer is cooler than in a conventional machine. That "
        "gentler heat is kinder to fabrics, and woollens and sportswear often come out in better shape. Some models "
        "have a quick programme that uses more electricity to finish sooner.",
        "Lint filters need cleaning after every load, and the condenser filter every few weeks, or drying times "
        "creep up and efficiency falls. Many models remind the owner with a light on the control panel. A blocked "
        "filter is the usual reason for complaints that a new dryer has become slow.",
        "Where the dryer stands also matters. In a cold garage or an unheated cellar in winter, a heat pump dryer "
        "takes longer, because the machine has to warm itself and the laundry before it works well. Manufacturers "
        "give a range of room temperatures within which the appliance works as designed, and a laundry room inside "
        "the heated part of the house is best.",
        "For households that dry laundry outdoors in summer and indoors in winter, the dryer's efficiency matters "
        "most in the dark months. In the far north, drying racks in a warm bathroom are an alternative, but they add "
        "moisture to the indoor air that the ventilation then has to remove. A heat pump dryer keeps that moisture "
        "in its own tank.",
        "The refrigerant in a dryer is sealed in at the factory and rarely needs attention. When a dryer reaches the "
        "end of its life, it should go to a recycling point that can recover the refrigerant safely rather than to "
        "general waste. Energy labels make it easy to compare models, and the difference in running cost between the "
        "best and the worst is large for a family that dries laundry every day.",
        "Washer-dryers with a heat pump are now available for homes without room for two machines. They save space "
        "but dry smaller loads than a separate dryer, so a full wash often has to be dried in two batches. Reviews "
        "suggest they suit small households better than large families.",
        "Spinning the laundry hard in the washing machine before drying saves more energy than any dryer setting. "
        "Water removed by spinning costs very little, while water evaporated in the dryer takes far more energy. "
        "Choosing the highest spin speed that the fabrics tolerate shortens every drying cycle.",
    ),
    "lab/explainers/efficiency-at-low-temperatures": (
        "The physics behind the decline is simple. A heat pump lifts heat from a cold source to a warm sink, and the "
        "larger the lift, the more work the compressor must do for each unit of heat delivered. On a cold day the "
        "source is colder and the house often needs warmer water, so the lift grows from both ends. Efficiency falls "
        "smoothly with it, which is why cold-climate performance is best described by a curve rather than a single "
        "number.",
        "Capacity and efficiency are different things, and both fall in cold weather. Capacity is how much heat the "
        "unit can deliver at full speed; efficiency is how much heat it delivers for each unit of electricity. A "
        "unit can keep a reasonable efficiency in the cold and still lack the capacity to heat a house, or the other "
        "way round. Datasheets for cold-climate models list both at several outdoor temperatures, and both deserve "
        "attention.",
        "Humidity complicates the picture. Near the freezing point, moist air deposits frost on the outdoor coil "
        "quickly, and the unit must defrost more often. In very cold, dry air the coil frosts slowly, so defrosting "
        "is less frequent even though the temperature is lower. Efficiency around freezing can therefore dip below "
        "what the outdoor temperature alone would suggest.",
        "Seasonal efficiency is what matters for a household's bill, and it depends on how many hours the unit "
        "spends at each outdoor temperature. In a coastal climate with long, damp winters, most hours fall near "
        "freezing; inland, there are more very cold hours but also more dry ones. The same heat pump can therefore "
        "reach a different seasonal efficiency in two towns with similar coldest days. Hourly climate data is the "
        "only reliable basis for comparing them.",
        "Vapour injection adds a second path for refrigerant into the compressor partway through compression. It "
        "keeps the compressor cooler and raises the heat output at low outdoor temperatures. Units with this feature "
        "hold their capacity much better in deep cold than standard designs. It is now common in models sold for "
        "northern markets.",
        "Larger outdoor coils help in two ways. A bigger coil extracts the same heat with a smaller temperature "
        "difference to the air, which improves efficiency, and it frosts more slowly. Manufacturers of cold-climate "
        "units often fit generous coils and larger, slower fans for this reason. The cost is a bigger and heavier "
        "outdoor unit, which needs a sturdier mounting.",
        "Test standards rate efficiency at a few fixed outdoor temperatures, and seasonal ratings are calculated "
        "from them for a reference climate. Most reference climates used on energy labels are milder than the Nordic "
        "interior, so a label can flatter a unit bound for the far north. Some standards now include a colder "
        "reference climate, and buyers in the north should look for that rating where it is published. Even then, it "
        "is a calculation and not a reading from a real house.",
        "Emitters matter as much as the heat pump. A house with large radiators or underfloor heating can run at a "
        "low flow temperature, and its heat pump works with a smaller lift on every cold day. A house with small "
        "radiators needs hotter water and loses efficiency, however good the heat pump is. Upgrading a few radiators "
        "is often the cheapest way to raise seasonal efficiency.",
        "Sizing interacts with efficiency in ways that surprise many owners. A variable-speed unit is most efficient "
        "at part load, running slowly, so a unit with some spare capacity can do better over a season than one "
        "working flat out. But a unit far too large for the house runs at its minimum speed and still produces too "
        "much heat in mild weather, so it starts and stops. The best match leaves the unit at moderate speed for "
        "most of the winter.",
        "Air-to-air units are rated a little differently from air-to-water ones, since they warm room air directly "
        "and need not produce hot water. In a cold climate their advantage is a low effective supply temperature, "
        "and their weakness is getting heat to rooms away from the indoor unit. Open doors and a fan setting that "
        "moves plenty of air help a single unit serve more of the house.",
        "Refrigerant choice also shapes cold-weather behaviour. Propane and some newer blends keep their pressure "
        "and capacity well at low evaporating temperatures, which suits northern climates. Carbon dioxide units can "
        "deliver very hot water efficiently but work best when the water returning to them is cool. Each refrigerant "
        "suits some houses and heating systems better than others.",
        "Following efficiency at home is easier than many owners think. A separate electricity meter on the heat "
        "pump and a reading of the heat meter, where one is fitted, let an owner follow the system week by week. "
        "Plotting the ratio against the outdoor temperature gives a curve much like the ones in this explainer. A "
        "sudden drop in mild weather usually points to a fault or a setting, not to the weather.",
        "Wind is an underrated factor. A strong wind across the outdoor unit can help by bringing fresh air to the "
        "coil, but gusts blowing straight into the fan outlet push cold exhaust air back through the coil. In "
        "exposed coastal spots, a wind screen placed at a sensible distance steadies the airflow. Wind also raises "
        "the heat loss of the house, so windy cold days ask the most of any heating system.",
        "Laboratory tests at low temperatures take time, because the test chamber must hold a steady cold while the "
        "unit runs through several defrost cycles. Results from chambers that skip the frosting period look better "
        "than what a unit achieves outdoors. Independent test houses in the Nordic countries therefore run longer "
        "sessions in damp conditions near freezing. Their ratings are more useful to northern buyers than the "
        "standard label values.",
        "Indoor temperature matters almost as much as outdoor temperature. Each degree that the living room is kept "
        "warmer raises the flow temperature the heat pump must reach and lowers its efficiency a little. Households "
        "that are comfortable at a slightly lower setting, perhaps with a warmer jumper, benefit twice: less heat is "
        "needed and it is produced more efficiently. The effect is largest on the coldest days.",
        "Hot water production pulls seasonal efficiency down in summer, when space heating is off and the unit heats "
        "water to a high temperature. In winter the effect is smaller, because hot water is a smaller part of the "
        "total heat. Owners who compare summer and winter readings should expect the summer ratio to look poor, "
        "which is normal. Heating water at the warmest time of day helps a little.",
        "Older heat pumps in the north often perform worse than their ratings for reasons that have nothing to do "
        "with the cold. Filters clogged with dust, coils bent by ice and controls set years ago for a different "
        "household all cost efficiency. A service visit that cleans the unit and reviews the settings is usually the "
        "best value improvement an owner can make.",
        "Owners sometimes judge a heat pump by how hot the air or radiators feel, which is misleading. A heat pump "
        "that delivers a large volume of gently warm air or water can heat a room as well as a boiler that delivers "
        "less of it very hot. Lukewarm radiators on a frosty day are a sign that the system is running efficiently, "
        "as long as the rooms stay comfortable.",
    ),
    "lab/explainers/ground-source": (
        "A ground-source heat pump draws heat from the soil or rock around a closed loop of pipe. In the north, most "
        "systems use a vertical borehole drilled into bedrock, because the borehole needs little garden space and "
        "rock conducts heat well. Horizontal loops laid in trenches are cheaper where there is a large plot of soft "
        "ground. Either way, the loop is filled with a mixture of water and antifreeze that carries heat to the unit "
        "indoors.",
        "The depth of the borehole has to match the heat demand of the house, and boreholes that are too short are a "
        "familiar problem in older installations. If too much heat is drawn from too little rock, the ground around "
        "the borehole cools year after year and the heat pump's efficiency slowly falls. A proper design uses the "
        "thermal properties of the ground and the home's yearly heat demand to choose the depth. In dense "
        "neighbourhoods the designer must also allow for neighbouring boreholes drawing on the same rock.",
        "Drilling is usually the largest single cost and the least predictable. Loose soil above the bedrock needs a "
        "steel casing, and the depth to solid rock varies a great deal even within one village. Drillers need access "
        "for a heavy rig, space for the spoil and water, and a plan for the mud that comes out of the hole. A good "
        "contractor visits the site before quoting.",
        "Permits for boreholes differ between countries and municipalities. Authorities want to protect drinking "
        "water wells, keep boreholes away from buried cables and tunnels, and know where holes have been drilled. "
        "Some areas above important aquifers forbid drilling altogether. Checking with the municipality before "
        "signing a contract avoids expensive surprises.",
        "Horizontal ground loops need a trench area several times the floor area of the house, laid below the depth "
        "where the soil freezes in winter. In regions with deep frost that depth is considerable, and the digging "
        "can disturb a garden for a whole summer. The pipes draw heat that sun and rain put back into the topsoil "
        "each summer, so a horizontal loop depends more on the seasons than a borehole does. Where there is land and "
        "a digger, it is often the cheaper choice.",
        "Lakes and ponds can serve as a heat source too. A collector laid on the bottom of a lake, weighted so that "
        "it stays down, draws heat from water that stays liquid under the ice all winter. Lake collectors are cheap "
        "compared with drilling but need a permit and a lake close to the house. They are popular for lakeside homes "
        "and summer houses in Finland and Sweden.",
        "Ground-source systems ask very little of the owner once they are running. There is no outdoor unit to clear "
        "of snow and no defrost cycle, and the compressor sits indoors, usually in a utility room. The circulation "
        "pump for the ground loop and the pressure of the brine are the main things to check. Many systems run for "
        "decades with only occasional service.",
        "The indoor unit of a ground-source heat pump often holds a hot water tank and an electric backup heater in "
        "one cabinet. The backup rarely runs in a well-designed system, but it is there for the coldest spells and "
        "for times when the heat pump is being serviced. Owners should know how to tell whether the backup heater is "
        "running, because a fault that leaves it on can double the electricity bill without any drop in comfort.",
        "Replacing an old ground-source heat pump costs much less than the first installation, because the borehole "
        "or loop can usually be reused. Current units are more efficient than those sold a generation ago and often "
        "make better use of the same borehole. The installer should check the condition of the loop and the "
        "antifreeze before connecting a new unit. Occasionally a larger new heat pump needs a deeper borehole or an "
        "extra one.",
        "Cooling in summer is a bonus of borehole systems. Circulating the brine through a fan coil or the floor "
        "loops cools the house using the cold rock almost for free, with only the circulation pump running. That "
        "passive cooling also puts some heat back into the ground, which helps the borehole recover before winter. "
        "In the Nordic countries summer cooling is valued more and more as heat waves become common.",
        "Shared ground loops are spreading in new housing areas and in apartment blocks. A field of boreholes serves "
        "a group of buildings, each with its own heat pump, and the loop can move heat between buildings with "
        "different needs. The arrangement spreads the cost of drilling and allows careful design of the whole "
        "borehole field. It also turns the system into a piece of local infrastructure, which raises questions about "
        "ownership and maintenance.",
        "Ground-source heat pumps suit houses with a high, steady heat demand best, such as large older homes in "
        "inland areas with long winters. For a small, well-insulated new house, the high cost of drilling is harder "
        "to recover, and an air-source unit may make more sense. Owners who plan to stay for many years, and who "
        "value a system without an outdoor unit, often choose ground source regardless. The decision is as much "
        "about the site and the household as about the technology.",
        "Noise is rarely an issue with ground-source systems, since everything runs indoors. The compressor cabinet "
        "should still stand on a solid floor and away from bedrooms, because a low hum can travel through light "
        "timber floors. Flexible connections on the pipes keep vibration from spreading into the house. A utility "
        "room or cellar is the usual home for the unit.",
        "Energy wells, as boreholes are often called in Sweden, are a familiar sight in northern suburbs, marked "
        "only by a small cover in the lawn. Drilling usually takes a few days, and the noise and mud are the main "
        "nuisance for the neighbours. The drilling company should restore the garden and show the owner where the "
        "pipes run into the house. Future building work near the borehole needs care to avoid damaging the collector "
        "pipes.",
        "The brine in a closed loop is usually a mixture of water with ethanol or another antifreeze. It must stay "
        "liquid at the lowest temperatures the loop sees, and its strength is checked when the system is serviced. A "
        "leak is rare but should be repaired quickly, since the antifreeze can affect groundwater. Modern loops use "
        "welded joints below ground to reduce the risk.",
        "Thermal response tests help designers of larger systems. A heated fluid is circulated through a test "
        "borehole for a few days while the temperatures are logged, which reveals how well the rock conducts heat at "
        "that site. For a single house the test is rarely worth its price, but for an apartment block or a school it "
        "can save drilling an unnecessary borehole.",
    ),
    "lab/notes/boden-acoustics-panel": (
        "Sound from an outdoor unit comes from several sources at once: the fan moving air across the coil, the "
        "compressor on its mounting, and refrigerant rushing through valves. In steady heating the fan usually "
        "dominates, and its broadband sound is fairly easy to live with. During a defrost the character changes: the "
        "fan stops, valves switch with an audible click or hiss, and the compressor may change speed abruptly. "
        "Listeners tend to notice changes in sound more than a steady level.",
        "Cold, still nights make outdoor noise more noticeable. Background sound from traffic and wind is low, a "
        "hard frozen surface reflects sound where soft snow would absorb it, and a layer of cold air near the ground "
        "can carry sound further than on a mild evening. A unit that is barely audible in autumn can seem much "
        "louder in January, even when its own output has not changed.",
        "Low-frequency sound from the compressor travels through solid structures more easily than through air. A "
        "unit fixed directly to a wall can pass a hum into bedrooms on the other side, which residents often find "
        "harder to ignore than sound through a window. Separate ground stands, flexible pipe connections and rubber "
        "mounts reduce this path considerably.",
        "Installers' rules of thumb for placement agree in broad terms. Keep the unit away from bedroom windows on "
        "both sides of a property line, avoid corners and narrow passages that amplify sound, and point the fan "
        "outlet away from the neighbours. A low wall or a dense hedge between the unit and a window helps, provided "
        "it does not restrict the airflow.",
        "Complaints about heat pump noise are often about the time of day rather than the level. Many controllers "
        "offer a quiet mode that limits fan and compressor speed at night, at some cost to capacity. In a cold "
        "climate, quiet mode on the coldest nights needs care, since the house may then lean on its backup heater. "
        "Owners should ask installers how quiet mode interacts with the rest of the system.",
        "Listening sessions for this note took place at dusk and late in the evening, when residents are most "
        "sensitive to sound outdoors. Observers stood at the property line and beside the nearest bedroom window of "
        "each household, noting the character of the sound as well as its level. Residents were asked separately how "
        "they had experienced the units during the winter. The recommendation of this note draws on both kinds of "
        "evidence.",
        "Acoustic screens need planning. A screen close to the unit can reflect sound back into the coil area and "
        "change the airflow, while a screen too far away does little. Absorbing panels on the side facing the unit "
        "work better than bare boards. In snowy regions the screen must also leave room for clearing snow around the "
        "unit.",
        "The tone of a unit matters as much as its loudness. A clear hum or whine at a single pitch draws attention, "
        "while broadband fan noise blends into the background. Units whose compressor speed changes slowly are less "
        "noticeable than those that jump between speeds. Manufacturers are increasingly tuning their controllers "
        "with this in mind.",
        "Residents' tolerance of sound changes over time. A unit that annoys a neighbour in its first month is often "
        "barely noticed a year later, unless its sound has a distinctive tone or it starts and stops frequently. "
        "Early, friendly contact between neighbours and prompt adjustments reduce the chance that a complaint "
        "hardens into a dispute.",
    ),
    "grid/publications/winter-peak-outlook": (
        "The modelling starts from hourly heat demand for the building stock in each bidding zone, built up from the "
        "number of dwellings, their age, their heating systems and the local climate. Heat pump behaviour is "
        "represented by performance curves that fall with outdoor temperature, including the need for supplementary "
        "heat on the coldest days. Weather years are drawn from the historical record so that both ordinary winters "
        "and severe cold spells are covered. Demand from industry, transport and services is held at the levels of "
        "the base case.",
        "Cold spells in the Nordic region are often widespread, covering several countries at once under a stable "
        "high-pressure system. That limits how much neighbouring areas can help each other, because all of them face "
        "high demand at the same time. Wind output is usually low in such weather, and imports from continental "
        "Europe may be constrained by the same cold. The outlook therefore treats the coldest regional weather "
        "events as the design case for the power system.",
        "Several sensitivities are examined alongside the main scenario. One assumes that many new installations are "
        "poorly sized and lean heavily on resistance heating in the cold; another assumes that most homes allow "
        "smart control of their heat pumps. A third looks at faster insulation of older houses, which lowers heat "
        "demand across the board. Comparing these cases helps separate what policy can influence from what the "
        "weather decides.",
        "Network reinforcement needs differ sharply between regions. Urban areas with district heating see little "
        "change, while rural distribution networks with many detached houses, long lines and a history of oil "
        "heating face the largest growth in local peaks. Transmission corridors from the hydropower-rich north to "
        "the southern load centres also become busier in cold weather. Investment plans should follow these local "
        "patterns rather than national totals.",
        "Thermal storage in buildings is the flexibility resource that the outlook considers most promising. An "
        "insulated house can coast for a while without heating before anyone notices a change, and a well-insulated "
        "new house for longer. Coordinating that coasting across many homes, in turns, flattens the peak without "
        "discomfort. Hot water tanks add further flexibility, since they can be heated ahead of the peak and left "
        "idle during it.",
        "The outlook also notes the limits of demand response. Remote control of heat pumps requires interoperable "
        "equipment, clear consent from households and tariffs that reward flexibility, none of which are yet "
        "universal. During a long cold spell, stored heat runs out and homes must be heated again, so shifting helps "
        "most with short peaks. Backup generation and network capacity remain necessary for the most severe weather.",
        "Electric vehicle charging is treated separately, because it can usually be moved to the night without any "
        "loss of comfort. Left uncontrolled, evening charging coincides with the winter peak and adds to it. With "
        "simple timers or smart chargers, most of that load moves to hours when heat pump demand is lower. The main "
        "scenario assumes controlled charging.",
        "Further work is planned on the interaction between heat pumps and local solar generation, which contributes "
        "little in the Nordic winter, and on the role of large heat pumps in district heating networks. The authors "
        "also intend to compare the modelled hourly demand with metered data from distribution companies as smart "
        "meter data becomes available.",
        "The outlook covers the period until the middle of the next decade, in steps that follow the expected pace "
        "of installations. Each step assumes a mix of heat pump types based on current sales, with air-to-air units "
        "dominant in existing houses and air-to-water and ground-source systems more common in new builds. The mix "
        "matters because different types behave differently in the cold.",
        "Industrial consumers are an important source of flexibility in the Nordic system, and the outlook assumes "
        "that their existing agreements to reduce load on request remain in place. Heat pumps in homes would add a "
        "new, more widely spread source of flexibility. Together the two could cover much of the gap that would "
        "otherwise need new peaking plants.",
        "Communication with the public is part of the recommendations. Households should know that a short pause in "
        "heating during a peak is harmless and that they remain in control of their comfort. Clear labels on "
        "equipment that supports demand response would help buyers choose. The outlook suggests that grid companies "
        "and installers agree on a common explanation for customers.",
        "A glossary at the end of the outlook explains the terms used for readers outside the industry. Peak demand "
        "refers to the highest hourly consumption in a winter, and firm capacity to the generation and imports that "
        "can be relied on at that hour. Flexibility covers any change in consumption or generation made in response "
        "to a signal from the system.",
    ),
    "stats/datasets/hp-cold-22": (
        "Each file contains one row per minute with a timestamp in local time, the outdoor air temperature and "
        "relative humidity at the unit, the electrical power of the compressor and fans, the supply and return water "
        "temperatures where the unit heats water, and a flag that marks defrost. Gaps where a logger lost power or "
        "its connection are left empty rather than filled in. A separate file describes each heat pump: its type, "
        "its nominal capacity, the house it heats and the position of its outdoor unit.",
        "The units were chosen to cover coastal and inland sites, where damp maritime air and dry continental cold "
        "produce very different frosting conditions. Both air-to-air and air-to-water units are included, from "
        "several manufacturers, and both older fixed-speed models and modern inverter-driven ones.",
        "Defrost events can be identified from the defrost flag, and also from the pattern of compressor power and "
        "supply temperature, which lets users check the flag against the physics. A typical event starts with a "
        "brief stop, continues with the cycle reversed while ice melts from the coil, and ends with a short period "
        "of reduced output as the coil dries. The documentation explains how to separate these phases and how to "
        "treat events that the controller cut short.",
        "Users should note that humidity sensors drift in freezing conditions and can read high after frost or rime "
        "has formed on them. A quality flag marks periods when a sensor was likely affected. Temperature readings "
        "are more robust, though units in sheltered positions see air a little warmer than the open site.",
        "Possible uses include comparing defrost control strategies, testing models of frost growth on outdoor "
        "coils, and working out how climate and placement affect running costs. Anyone who publishes work based on "
        "the data is asked to cite it and to report any errors they notice.",
        "Questions about the data can be sent through the contact form on this site. Updates are announced on the "
        "datasets page, and earlier versions remain available so that published analyses can be reproduced.",
        "Sites were visited before each winter to clean the outdoor units, check the sensors and confirm the "
        "position of each logger. Notes from these visits are included with the data. They mention changes such as a "
        "new snow canopy or a moved fence that could affect the airflow around a unit.",
        "Licensing allows commercial as well as academic use, provided the source is credited. Several manufacturers "
        "have used the data to test their defrost controllers against real weather, and a number of theses have "
        "drawn on it. A short guide on this page walks new users through loading a single file and plotting a "
        "winter.",
        "A small number of units were replaced during the logging period, either after a fault or because the owner "
        "upgraded. The replacement is logged as a new unit in a new file, and the notes describe what changed. Users "
        "who need a continuous series for one house should combine the files with care.",
    ),
    "stats/notes/solar-arctic": (
        "Above the Arctic Circle the sun does not rise at all for weeks in midwinter, while in midsummer it never "
        "sets. A solar installation there produces most of its yearly energy between April and August, and almost "
        "none in the months when heating demand is highest.",
        "Panels mounted steeply, close to vertical, suit northern sites well. They catch the low sun of spring and "
        "autumn, shed snow easily and pick up light reflected from snow on the ground. Panels on facades are "
        "becoming popular on northern buildings for the same reasons.",
        "Pairing solar panels with a heat pump works differently in the north than further south. Solar output and "
        "heat demand peak in opposite seasons, so solar electricity covers the heat pump's summer hot water duty but "
        "contributes little in winter. Households that combine the two usually aim to use as much of the summer "
        "output as possible at home, heating water and cooling rooms, rather than to cover winter heating.",
        "Batteries help shift solar output from midday to the evening, but they cannot move summer sunshine into "
        "winter. For storage across the seasons, the north relies on hydropower reservoirs and, increasingly, on "
        "large thermal stores in district heating networks.",
        "Maintenance in the far north is mostly about snow and ice. Panels are designed to carry heavy snow loads, "
        "but roof edges need snow guards so that sheets of snow sliding off do not injure anyone below. Cold also "
        "slows the ageing of inverters and cables, a small bonus of the climate.",
        "Solar water heating is rare in the far north, because the collectors sit idle through the winter and need "
        "protection from freezing. Photovoltaic panels have taken over most of that market, since their electricity "
        "can be used for anything. Some households use their summer surplus to heat water with a simple immersion "
        "heater.",
        "Grid connection rules for small solar systems vary between the Nordic countries. Some utilities pay for "
        "exported electricity at the market price, others offer a fixed rate or allow netting over a month. The "
        "details change the value of a system considerably, so it is worth reading the contract before buying.",
        "Northern research stations and remote cabins have long used solar panels together with batteries and a "
        "small generator. The panels carry the load from spring to autumn, and the generator covers the dark months. "
        "Wind turbines are sometimes added, since the windiest season matches the darkest one.",
    ),
    "forum/threads/undersized-units": (
        "Reply: before blaming the unit, check the filters on the indoor unit and look at the outdoor coil. A "
        "clogged filter or a coil packed with snow and ice cuts the output dramatically, and both are easy to miss "
        "in the dark. Ours lost most of its heat one winter because a drift had built up behind it and blocked the "
        "air intake.",
        "Reply: what was the room thermostat set to, and which fan speed? Many air-to-air units ship with the fan on "
        "a quiet automatic setting that moves too little air in a cold snap. Turning the fan up to high made a "
        "noticeable difference in our house, though it is louder.",
        "Reply from the original poster: thanks, the filters were dusty but not blocked. The fan was on automatic, "
        "so I have set it to high and the living room is better, but the bedrooms at the far end of the house are "
        "still cold. The installer who fitted it never asked about the layout of the house.",
        "Reply: that sounds like a distribution problem more than a capacity problem. A single wall unit in the "
        "living room cannot push warm air round corners and through closed doors. Small door vents or a slow ceiling "
        "fan can help, but the real fix is usually another indoor unit or a radiator in the far rooms.",
        "Reply: ask whoever installed it for the heat loss calculation they based the choice on. If they cannot "
        "produce one, that tells you something. A decent installer works out the heat demand of the house at the "
        "local design temperature and then picks a model whose cold-weather capacity covers it.",
        "Reply: we live inland where the winters are properly cold, and our installer recommended a model sold "
        "specifically for cold climates. It has a heated base tray, so the defrost water does not freeze inside it, "
        "and the datasheet lists its output at very low outdoor temperatures. It cost more than the standard model "
        "but has coped with every cold spell so far.",
        "Reply: don't forget the house itself. We spent a summer adding loft insulation and sealing gaps around the "
        "windows and the old chimney, and the same heat pump that struggled before now keeps up comfortably. "
        "Insulation work is less exciting than new equipment, but it lowers the heat demand on exactly the nights "
        "that matter.",
        "Reply: something nobody has mentioned is that the outdoor unit should sit where it gets fresh air and not "
        "its own cold exhaust. Ours was tucked into a corner behind a fence and kept breathing the chilled air it "
        "had just blown out. Moving it into the open made it noticeably better in frosty weather.",
        "Reply: in really cold weather we keep ours running at a steady setting day and night instead of turning it "
        "down at bedtime. Warming a cold house in the morning is the hardest thing you can ask of it. Since we "
        "stopped the night setback, the house has stayed warm through the worst frosts.",
        "Reply from a moderator: some good advice here. If the unit is still under warranty, have the installer "
        "check the refrigerant charge and the settings before spending money on anything else, since a unit that is "
        "short of refrigerant loses capacity in the cold first. Please keep product recommendations general, as the "
        "rules of this board ask.",
        "Reply: we are in a similar situation in an old farmhouse with thick walls. Ours manages until the really "
        "hard frosts, and then we light the wood stove in the evenings and everyone is happy. It is not elegant, but "
        "the stove was already there and the combination costs us little.",
        "Reply: as an owner of the same unit for several winters, the thing that helped most was a better heating "
        "curve. The installer had left it at the factory setting, which was fine in autumn but far too gentle once "
        "the frost came. After adjusting it the house held its temperature even on the coldest nights.",
        "Reply: look at the error log in the menu if your model has one. Ours listed nothing for months, then a "
        "string of low-pressure warnings during a cold week, which turned out to be a slow refrigerant leak. A "
        "technician fixed the joint and the capacity came back.",
        "Reply: for what it is worth, our previous house had a heat pump that was far too big, and it was no better. "
        "It ran in short bursts all autumn and never settled, and the rooms swung between warm and chilly. Getting "
        "the size right matters in both directions.",
        "Reply: we have the same trouble in a timber house on a windy hill. The wind strips heat from the walls "
        "faster than the heat pump can replace it on the worst nights. A windbreak of spruce on the exposed side "
        "helped more than we expected.",
    ),
    "forum/threads/defrost-cold-air": (
        "Reply: the steam is harmless, it is just the melted ice evaporating off the warm coil. It can look alarming "
        "at night, and a neighbour once knocked on our door to ask whether the house was on fire. As long as the "
        "unit starts heating again after a few minutes, everything is working as designed.",
        "Reply: check where the water from the defrost goes. Ours dripped onto a paving stone that froze, and a cone "
        "of ice grew up from the ground until it touched the bottom of the coil. After that the unit defrosted "
        "almost constantly and barely heated. A gravel bed under the unit and a heated drain pipe solved it.",
        "Reply: some units let you set the indoor fan to a low speed during defrost so that you do not feel the cool "
        "draught. Look in the installer settings or ask your installer. On ours the fan stops completely during a "
        "defrost, which is better than having cool air blown at you.",
        "Reply: how often is normal depends on the weather. In dry frost our unit goes for hours without defrosting, "
        "but in freezing drizzle it can defrost several times an hour. If it defrosts often in dry, clear weather, "
        "something may be wrong with a sensor or the refrigerant charge.",
        "Reply: our outdoor unit stands under the eaves, and meltwater dripping from the gutter froze on the top and "
        "sides of the unit. A small roof over the unit and a gutter repair stopped it. Ice on the casing does not "
        "harm the unit directly, but it can jam the fan and add to the defrost work.",
        "Reply: we live by the coast, where fog comes in off the sea all winter, and our heat pump spends much more "
        "time defrosting than my brother's does inland, even though his winters are colder. The installer said the "
        "coastal humidity is the reason. It still heats the house fine, it just works harder in damp weather.",
        "Reply from the original poster: thanks all, that explains a lot. The drain was indeed blocked with ice, and "
        "after clearing it the defrost cycles have become shorter. I am going to ask the installer about a drain "
        "heater before the next cold spell.",
        "Reply: keep snow cleared from around the unit too, especially behind it where the air is drawn in. A unit "
        "that is half buried in a drift cannot get enough air, frosts faster and defrosts more often. We keep a "
        "small shovel by the back door for exactly that job.",
        "Reply: if your model has a setting for the defrost interval, leave it alone unless a technician advises "
        "otherwise. A neighbour stretched the interval to cut the interruptions, and the coil iced up so badly that "
        "the unit had to be thawed with warm water. The controller usually knows better than we do.",
        "Reply: my partner thought the unit was broken the first winter because of the whooshing sound it makes at "
        "the start and end of a defrost. That is the reversing valve switching over. It is louder outdoors than "
        "indoors and nothing to worry about.",
        "Reply: we put the outdoor unit on a wall bracket high enough to clear the snow, and the defrost water now "
        "drops straight onto gravel. Since then we have had no ice build-up at all. Brackets need to be sturdy "
        "though, because the unit shakes a little when the fan starts.",
        "Reply: for anyone reading this later, the installer told us that humid weather near freezing is when "
        "defrosting is heaviest, and that deep frost is actually easier on the unit in that respect. Our experience "
        "matches that exactly.",
        "Reply: our unit also steamed heavily, but the problem turned out to be a faulty coil sensor that started "
        "defrosts when none were needed. The unit was defrosting even on dry, clear days. Replacing the sensor under "
        "warranty fixed it.",
        "Reply: our installer fitted a small heating cable inside the drain pipe, and it switches on only when the "
        "outdoor temperature is near freezing. It uses little electricity and the drain has stayed clear all winter. "
        "Worth asking about if you have had trouble with ice.",
        "Reply: I was worried the cool air during a defrost meant the unit was wasting energy, so I asked the "
        "manufacturer's support line. They explained that the interruption is short, that the controller tries to "
        "defrost only when the coil really needs it, and that the unit makes up the lost heat afterwards.",
    ),
    "forum/threads/what-did-it-cost": (
        "Reply: prices vary so much because the quotes often cover different things. Some include new radiators, a "
        "hot water cylinder, the electrical work and removal of the oil tank, and some include none of them. Ask "
        "every installer to list what is included line by line, and compare like with like.",
        "Reply: removing the old oil tank was a bigger job than we expected. It had to be emptied, cleaned and cut "
        "up by a licensed company, and the bill came separately from the heat pump installation. Check whether your "
        "local support scheme covers it, as some do.",
        "Reply: we chose an air-to-water system over an air-to-air one because we wanted hot water and heat in every "
        "room, not just the open-plan downstairs. It cost much more, but it replaced the boiler completely. Our "
        "neighbours went for two air-to-air units and kept their electric water heater, which was far cheaper up "
        "front.",
        "Reply: don't forget the running costs when comparing quotes. A slightly more expensive unit that keeps its "
        "efficiency in the cold can cost less over its life than a cheap one that leans on its electric heater every "
        "frosty night. Ask each installer what capacity the unit has at your local design temperature, not just its "
        "nominal rating.",
        "Reply: grants helped us a lot, but the paperwork had to be done before the installation started. One of the "
        "installers we spoke to offered to handle the application, which was worth more to us than a small discount. "
        "Make sure the company you choose is registered for whatever scheme you are applying to.",
        "Reply: we had a ground-source system quoted as well. Drilling pushed the price well above the air-to-water "
        "quotes, but the running costs are lower and there is no outdoor unit to look after. If you plan to stay in "
        "the house for a long time, a ground-source quote is worth having for comparison.",
        "Reply from the original poster: thank you, this is really helpful. We have now asked every installer for an "
        "itemised quote and a heat loss calculation. One of them has already dropped out, which I take as a sign.",
        "Reply: ask what happens if the unit breaks down in the middle of winter. Some installers promise a quick "
        "visit in the heating season, others will not commit to anything. For a house that relies on the heat pump "
        "alone, that promise matters as much as the price.",
        "Reply: in our case the electrician's bill was the surprise, because the old fuse board could not take the "
        "new load and had to be replaced. It would have been good to know that before comparing quotes, so ask for "
        "the electrical work to be checked early.",
        "Reply: a word on financing. Our bank offered a green loan at a lower rate for energy improvements, and the "
        "savings on oil more than covered the repayments from the first winter. Ask your bank before assuming you "
        "have to pay cash.",
        "Reply: one more thing to ask about is the cost of the annual service. Some installers include the first "
        "visits in the price, others charge separately, and a few insist on a service contract to keep the warranty "
        "valid. Over the life of the system that can add up.",
        "Reply: we went with a local firm rather than a national chain, and the price was similar but the service "
        "has been far better. They came out on a Sunday in the middle of a cold snap when a pump failed. That is "
        "worth a lot when it is freezing outside.",
        "Reply: don't rush the decision. The cheapest time to install is usually late spring or summer, when "
        "installers have more time and the old heating is not needed. We got a better price by booking early and "
        "waiting a couple of months.",
        "Reply: here the price of the heat pump itself was less than half of the total. Radiator upgrades, new "
        "pipework, the cylinder and the electrician made up the rest. Ask for a breakdown so you can see where the "
        "money goes.",
        "Reply: if you are in a flat or a terraced house, check with the housing association or the neighbours "
        "before getting quotes. Our installer would not start until we had written permission for the outdoor unit, "
        "and waiting for the board meeting added weeks to the project.",
    ),
    "forum/members/noise-complaints": (
        "One member's neighbour complained that a new outdoor unit, mounted on a shared fence, hummed through the "
        "wall of their bedroom every cold night. Moving it onto a separate ground stand a few metres from the fence "
        "ended the complaint.",
        "Another member was asked by the municipality to fit a sound screen after repeated complaints. The screen "
        "helped, but the neighbours were happier once the unit's quiet mode was switched on at night.",
        "Several members recommend talking to neighbours before the installation rather than after. A friendly "
        "conversation about where the unit will go, and an offer to move it if the sound bothers them, avoids most "
        "disputes.",
        "Members who live in terraced houses note that sound travels along shared walls more than across gardens, "
        "and that mounting units on the ground rather than on the wall makes the biggest difference.",
        "A member who works as an installer says that most noise complaints he sees come from units placed in a "
        "hurry on the cheapest wall. Taking an extra hour to plan the position saves the owner a dispute later.",
        "Members also share advice on rubber feet, sound screens and quiet-mode settings for particular models, and "
        "on how to keep the unit clear of snow without damaging its fins.",
    ),
    "lab/reports/kallax-final-report.pdf": (
        "Homes were selected to represent the detached housing stock of the region, with a mix of timber and masonry "
        "houses of different ages. Participating households received no payment beyond a small gift, and they could "
        "leave the campaign at any time. A few homes withdrew during the first winter, and their data was removed "
        "from the analysis.",
        "Heat meters were calibrated before installation and checked at the end of each winter against a reference "
        "meter. Electricity meters were of the type used for billing, and the logging equipment was tested in a cold "
        "chamber before being sent out. Outdoor temperature was logged at each house, in the shade and away from the "
        "outdoor unit.",
        "The authors thank the participating households, the local installers who helped with access, and the "
        "municipal energy advisers who helped recruit homes. Questions about the method can be sent to the research "
        "group.",
    ),
    "stats/surveys/hammerfest-retrofit-survey.txt": (
        "The questionnaire was sent by post and could be answered online. It asked about the type of heat pump, the "
        "year of installation, the price and any grants received, the previous heating system and satisfaction in "
        "different seasons. Households could add comments, and many did.",
        "Comments most often concerned the installer's work, the noise of outdoor units and the behaviour of units "
        "during long cold spells. Several households mentioned trouble with ice under the outdoor unit. A full list "
        "of the questions is available on request.",
    ),
    "stats/sales/nordic-heat-pump-sales.txt": (
        "The figures cover units sold through the trade bodies' members and exclude imports sold directly to "
        "consumers online. Exhaust air and ground-source units are counted separately from air-source units. Sales "
        "to new buildings and to existing homes are not distinguished.",
        "The national trade bodies revise their figures when late reports come in, so the totals for the most recent "
        "year may change slightly. Earlier years are published in the same format on this site.",
    ),
}
