"""The demo world's vocabulary: US metros, names, job families, companies, email phrasing.

Everything here is fictional except the metros' coordinates and the technology names (from the taxonomy). Company
names are invented; domains use the reserved `.example` TLD and phone numbers the 555-01xx fiction range, so no
generated address or number points at a real party.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------------- metros
# (city, state, lat, lon, IANA time zone, weight ~ size of the metro's IT contracting market)
METROS: tuple[tuple[str, str, float, float, str, float], ...] = (
    ("New York", "NY", 40.7128, -74.0060, "America/New_York", 9.0),
    ("Jersey City", "NJ", 40.7178, -74.0431, "America/New_York", 4.0),
    ("Iselin", "NJ", 40.5754, -74.3221, "America/New_York", 2.5),
    ("Princeton", "NJ", 40.3573, -74.6672, "America/New_York", 1.5),
    ("Boston", "MA", 42.3601, -71.0589, "America/New_York", 4.0),
    ("Hartford", "CT", 41.7658, -72.6734, "America/New_York", 2.0),
    ("Philadelphia", "PA", 39.9526, -75.1652, "America/New_York", 3.0),
    ("Pittsburgh", "PA", 40.4406, -79.9959, "America/New_York", 1.5),
    ("Washington", "DC", 38.9072, -77.0369, "America/New_York", 3.5),
    ("Reston", "VA", 38.9586, -77.3570, "America/New_York", 3.0),
    ("Richmond", "VA", 37.5407, -77.4360, "America/New_York", 1.5),
    ("Baltimore", "MD", 39.2904, -76.6122, "America/New_York", 1.5),
    ("Charlotte", "NC", 35.2271, -80.8431, "America/New_York", 4.0),
    ("Raleigh", "NC", 35.7796, -78.6382, "America/New_York", 2.5),
    ("Atlanta", "GA", 33.7490, -84.3880, "America/New_York", 4.5),
    ("Jacksonville", "FL", 30.3322, -81.6557, "America/New_York", 2.0),
    ("Tampa", "FL", 27.9506, -82.4572, "America/New_York", 2.5),
    ("Orlando", "FL", 28.5383, -81.3792, "America/New_York", 1.5),
    ("Miami", "FL", 25.7617, -80.1918, "America/New_York", 1.5),
    ("Columbus", "OH", 39.9612, -82.9988, "America/New_York", 2.5),
    ("Cleveland", "OH", 41.4993, -81.6944, "America/New_York", 1.5),
    ("Cincinnati", "OH", 39.1031, -84.5120, "America/New_York", 1.5),
    ("Detroit", "MI", 42.3314, -83.0458, "America/Detroit", 2.0),
    ("Indianapolis", "IN", 39.7684, -86.1581, "America/Indiana/Indianapolis", 1.0),
    ("Chicago", "IL", 41.8781, -87.6298, "America/Chicago", 5.5),
    ("Milwaukee", "WI", 43.0389, -87.9065, "America/Chicago", 1.0),
    ("Minneapolis", "MN", 44.9778, -93.2650, "America/Chicago", 2.0),
    ("St. Louis", "MO", 38.6270, -90.1994, "America/Chicago", 1.5),
    ("Kansas City", "MO", 39.0997, -94.5786, "America/Chicago", 1.5),
    ("Omaha", "NE", 41.2565, -95.9345, "America/Chicago", 0.8),
    ("Nashville", "TN", 36.1627, -86.7816, "America/Chicago", 1.5),
    ("Dallas", "TX", 32.7767, -96.7970, "America/Chicago", 6.0),
    ("Irving", "TX", 32.8140, -96.9489, "America/Chicago", 2.5),
    ("Plano", "TX", 33.0198, -96.6989, "America/Chicago", 2.5),
    ("Houston", "TX", 29.7604, -95.3698, "America/Chicago", 3.5),
    ("Austin", "TX", 30.2672, -97.7431, "America/Chicago", 3.5),
    ("San Antonio", "TX", 29.4241, -98.4936, "America/Chicago", 1.5),
    ("New Orleans", "LA", 29.9511, -90.0715, "America/Chicago", 0.5),
    ("Oklahoma City", "OK", 35.4676, -97.5164, "America/Chicago", 0.5),
    ("Denver", "CO", 39.7392, -104.9903, "America/Denver", 2.5),
    ("Salt Lake City", "UT", 40.7608, -111.8910, "America/Denver", 1.0),
    ("Boise", "ID", 43.6150, -116.2023, "America/Boise", 0.4),
    ("Albuquerque", "NM", 35.0844, -106.6504, "America/Denver", 0.4),
    ("Phoenix", "AZ", 33.4484, -112.0740, "America/Phoenix", 2.5),
    ("Las Vegas", "NV", 36.1699, -115.1398, "America/Los_Angeles", 0.5),
    ("Los Angeles", "CA", 34.0522, -118.2437, "America/Los_Angeles", 3.0),
    ("Irvine", "CA", 33.6846, -117.8265, "America/Los_Angeles", 1.5),
    ("San Diego", "CA", 32.7157, -117.1611, "America/Los_Angeles", 1.5),
    ("San Francisco", "CA", 37.7749, -122.4194, "America/Los_Angeles", 3.0),
    ("San Jose", "CA", 37.3382, -121.8863, "America/Los_Angeles", 2.5),
    ("Sunnyvale", "CA", 37.3688, -122.0363, "America/Los_Angeles", 1.5),
    ("Sacramento", "CA", 38.5816, -121.4944, "America/Los_Angeles", 1.0),
    ("Portland", "OR", 45.5152, -122.6784, "America/Los_Angeles", 1.0),
    ("Seattle", "WA", 47.6062, -122.3321, "America/Los_Angeles", 3.0),
    ("Redmond", "WA", 47.6740, -122.1215, "America/Los_Angeles", 1.5),
    ("Des Moines", "IA", 41.5868, -93.6250, "America/Chicago", 0.8),
    ("Louisville", "KY", 38.2527, -85.7585, "America/New_York", 0.6),
    ("Birmingham", "AL", 33.5186, -86.8104, "America/Chicago", 0.5),
    ("Wilmington", "DE", 39.7391, -75.5398, "America/New_York", 1.0),
    ("Albany", "NY", 42.6526, -73.7562, "America/New_York", 0.6),
)

# UTC offsets (standard time) of the zones above; only differences between them matter.
TZ_OFFSET: dict[str, float] = {
    "America/New_York": -5, "America/Detroit": -5, "America/Indiana/Indianapolis": -5,
    "America/Chicago": -6, "America/Denver": -7, "America/Boise": -7, "America/Phoenix": -7,
    "America/Los_Angeles": -8,
}
TZ_LABEL: dict[str, str] = {
    "America/New_York": "EST", "America/Detroit": "EST", "America/Indiana/Indianapolis": "EST",
    "America/Chicago": "CST", "America/Denver": "MST", "America/Boise": "MST", "America/Phoenix": "MST",
    "America/Los_Angeles": "PST",
}

# ---------------------------------------------------------------------------------------------------- people
FIRST_NAMES = (
    "Aarav", "Abhishek", "Aditi", "Ajay", "Akhil", "Amit", "Ananya", "Anil", "Anjali", "Ankit", "Anusha", "Arjun",
    "Bhavana", "Chaitanya", "Deepak", "Deepika", "Divya", "Ganesh", "Gautam", "Harish", "Harsha", "Jyothi",
    "Karthik", "Kavya", "Keerthi", "Kiran", "Krishna", "Lakshmi", "Madhavi", "Mahesh", "Manoj", "Meghana",
    "Naveen", "Neha", "Nikhil", "Pavan", "Pooja", "Prasad", "Prashanth", "Priya", "Rahul", "Rajesh", "Ramya",
    "Ravi", "Rohit", "Sai", "Sandeep", "Sanjay", "Santosh", "Sravani", "Sridhar", "Srikanth", "Sneha", "Sunil",
    "Suresh", "Swathi", "Tejaswi", "Varun", "Venkat", "Vijay", "Vinay", "Vivek", "Yamini",
    "Michael", "David", "James", "Robert", "John", "Daniel", "Matthew", "Christopher", "Andrew", "Brian", "Kevin",
    "Jennifer", "Jessica", "Sarah", "Emily", "Ashley", "Laura", "Rachel", "Megan", "Nicole", "Stephanie",
    "Wei", "Jun", "Li", "Ming", "Xin", "Yan", "Hao", "Olga", "Dmitri", "Ivan", "Elena", "Carlos", "Luis",
    "Maria", "Ana", "Jose", "Miguel", "Ahmed", "Omar", "Fatima", "Tunde", "Chinedu", "Grace", "Samuel",
)
LAST_NAMES = (
    "Reddy", "Rao", "Sharma", "Patel", "Kumar", "Singh", "Gupta", "Naidu", "Chowdary", "Varma", "Iyer", "Nair",
    "Menon", "Pillai", "Joshi", "Kulkarni", "Deshpande", "Agarwal", "Bansal", "Mehta", "Shah", "Desai",
    "Yadav", "Mishra", "Tiwari", "Pandey", "Srinivasan", "Krishnan", "Raman", "Venkatesan", "Gandhi", "Bhat",
    "Kaur", "Malhotra", "Kapoor", "Chopra", "Saxena", "Goud", "Vemula", "Kandula", "Pothula", "Bollam",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Chen", "Wang", "Zhang", "Liu", "Huang", "Lin", "Nguyen", "Tran", "Kim", "Park", "Lee", "Ivanov",
    "Petrov", "Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Okafor", "Adeyemi", "Khan",
)


# ---------------------------------------------------------------------------------------------------- job families
@dataclass(frozen=True)
class JobFamily:
    """A kind of consultant/requirement. Skills are canonical taxonomy names.

    core: nearly every member has them; common: many do; optional: some do (and requirements list them as
    nice-to-have). `rate` is the median hourly C2C rate of a mid-level member; `weight` its share of the bench.
    """

    key: str
    titles: tuple[str, ...]
    core: tuple[str, ...]
    common: tuple[str, ...]
    optional: tuple[str, ...]
    rate: float
    weight: float
    domains: tuple[str, ...] = ()


FAMILIES: tuple[JobFamily, ...] = (
    JobFamily("java", ("Java Developer", "Java Full Stack Developer", "Java Backend Developer", "Java Lead"),
              ("Java", "Spring Boot", "Microservices"),
              ("Spring", "Hibernate", "REST APIs", "Kafka", "SQL", "AWS", "Maven", "Git", "Oracle"),
              ("React", "Angular", "Docker", "Kubernetes", "Jenkins", "PostgreSQL", "MongoDB", "Redis", "CI/CD"),
              68.0, 16.0, ("banking", "insurance", "retail", "telecom")),
    JobFamily("fullstack", ("Full Stack Developer", "UI Developer", "React Developer", "Front End Developer"),
              ("JavaScript", "React", "TypeScript"),
              ("Node.js", "HTML/CSS", "Redux", "REST APIs", "Git", "Angular", "Express.js"),
              ("Next.js", "GraphQL", "AWS", "MongoDB", "Cypress", "Docker", "Vue.js", "React Native"),
              62.0, 10.0, ("retail", "healthcare", "media")),
    JobFamily("dotnet", (".NET Developer", "C# Developer", ".NET Full Stack Developer", ".NET Lead"),
              ("C#", ".NET", ".NET Core"),
              ("SQL Server", "Entity Framework", "REST APIs", "Azure", "Angular", "JavaScript", "Git"),
              ("React", "Azure DevOps", "Microservices", "Docker", "Kubernetes", "CI/CD"),
              62.0, 9.0, ("insurance", "healthcare", "government")),
    JobFamily("data", ("Data Engineer", "Big Data Engineer", "ETL Developer", "Snowflake Developer"),
              ("Python", "SQL", "Spark"),
              ("PySpark", "AWS", "Airflow", "Snowflake", "Databricks", "Kafka", "ETL", "Redshift", "AWS Glue",
               "Azure Data Factory", "Hadoop"),
              ("dbt", "Scala", "Terraform", "Data Modeling", "BigQuery", "GCP", "Informatica", "Talend"),
              72.0, 13.0, ("banking", "healthcare", "retail", "telecom")),
    JobFamily("devops", ("DevOps Engineer", "Site Reliability Engineer", "Cloud Engineer", "AWS Cloud Engineer"),
              ("AWS", "Kubernetes", "Terraform"),
              ("Docker", "Jenkins", "CI/CD", "Linux", "Ansible", "Python", "Shell Scripting", "Git", "Azure"),
              ("GCP", "Prometheus", "Splunk", "Go", "Azure DevOps", "Networking"),
              75.0, 9.0, ("banking", "telecom", "retail")),
    JobFamily("python", ("Python Developer", "Python Backend Developer", "Python Engineer"),
              ("Python", "Django", "REST APIs"),
              ("Flask", "FastAPI", "SQL", "AWS", "PostgreSQL", "Git", "Docker", "Pandas"),
              ("Kubernetes", "React", "Redis", "Kafka", "Microservices"),
              64.0, 6.0, ("fintech", "healthcare")),
    JobFamily("ml", ("Data Scientist", "Machine Learning Engineer", "AI/ML Engineer", "GenAI Engineer"),
              ("Python", "Machine Learning"),
              ("scikit-learn", "Pandas", "NumPy", "TensorFlow", "PyTorch", "SQL", "Deep Learning", "NLP"),
              ("Generative AI", "MLOps", "AWS", "Spark", "Databricks", "Docker", "Tableau"),
              80.0, 5.0, ("banking", "healthcare", "retail")),
    JobFamily("qa", ("QA Automation Engineer", "SDET", "QA Analyst", "Automation Test Engineer"),
              ("Test Automation", "Selenium"),
              ("Java", "Python", "Cypress", "Manual Testing", "JMeter", "Agile", "REST APIs", "SQL", "Jenkins"),
              ("JavaScript", "CI/CD", "Git", "TypeScript"),
              52.0, 8.0, ("insurance", "banking", "retail")),
    JobFamily("salesforce", ("Salesforce Developer", "Salesforce Admin", "Salesforce Lead Developer"),
              ("Salesforce", "Apex"),
              ("Lightning Web Components", "JavaScript", "REST APIs", "SQL", "Agile"),
              ("Git", "CI/CD", "Dynamics 365"),
              66.0, 5.0, ("healthcare", "retail", "manufacturing")),
    JobFamily("servicenow", ("ServiceNow Developer", "ServiceNow Admin", "ServiceNow Architect"),
              ("ServiceNow", "JavaScript"),
              ("REST APIs", "Agile", "IAM", "SQL"),
              ("Workday", "Azure"),
              70.0, 3.0, ("government", "healthcare")),
    JobFamily("sap", ("SAP FICO Consultant", "SAP ABAP Developer", "SAP SD Consultant"),
              ("SAP",),
              ("SAP FICO", "SAP ABAP", "SAP SD", "SQL"),
              ("Agile", "Project Management", "Oracle"),
              82.0, 3.0, ("manufacturing", "retail", "energy")),
    JobFamily("guidewire", ("Guidewire Developer", "Guidewire PolicyCenter Developer", "Guidewire Integration Developer"),
              ("Guidewire", "Java"),
              ("SQL", "REST APIs", "Agile", "Git", "Oracle"),
              ("AWS", "Jenkins", "Kafka"),
              74.0, 2.5, ("insurance",)),
    JobFamily("ba", ("Business Analyst", "Sr. Business Analyst", "Scrum Master", "Project Manager"),
              ("Business Analysis", "Agile"),
              ("SQL", "Project Management", "Manual Testing", "Tableau", "Power BI"),
              ("Salesforce", "ServiceNow", "Data Modeling"),
              55.0, 6.0, ("banking", "healthcare", "insurance", "government")),
    JobFamily("mobile", ("iOS Developer", "Android Developer", "Mobile Developer"),
              ("iOS", "Android"),
              ("React Native", "Kotlin", "REST APIs", "Git", "JavaScript"),
              ("GraphQL", "CI/CD", "Agile"),
              70.0, 2.5, ("retail", "media", "banking")),
    JobFamily("bi", ("Power BI Developer", "Tableau Developer", "BI Developer", "Data Analyst"),
              ("SQL", "Power BI"),
              ("Tableau", "Data Modeling", "SQL Server", "ETL", "Snowflake", "Looker"),
              ("Python", "Azure", "Azure Data Factory"),
              56.0, 3.0, ("retail", "healthcare", "banking")),
)

SENIORITY = (  # (label, title prefix options, min years range, rate multiplier)
    ("mid", ("", ""), (3, 6), 0.92),
    ("senior", ("Sr. ", "Senior "), (7, 10), 1.05),
    ("lead", ("Lead ", "Sr. "), (10, 13), 1.18),
    ("architect", ("", ""), (12, 15), 1.32),
)

VISAS = ("USC", "GC", "GC-EAD", "H1B", "H4-EAD", "L2-EAD", "EAD", "OPT", "CPT", "STEM-OPT", "TN", "E3")
# Bench mix in a typical US bench-sales firm: heavy on H1B and EAD categories.
VISA_WEIGHTS = {"USC": 0.12, "GC": 0.13, "GC-EAD": 0.07, "H1B": 0.36, "H4-EAD": 0.09, "L2-EAD": 0.03, "EAD": 0.04,
                "OPT": 0.06, "CPT": 0.02, "STEM-OPT": 0.03, "TN": 0.03, "E3": 0.02}
# What a requirement accepts, how the email words it, and the explicit list a reader should understand.
VISA_POLICIES: tuple[tuple[float, tuple[str, ...], tuple[str, ...]], ...] = (
    (0.22, ("Any visa", "Any Visa is fine", "All visas OK"), VISAS),
    (0.20, ("USC/GC only", "Only USC and GC", "USC, GC only"), ("USC", "GC")),
    (0.10, ("USC, GC, GC-EAD, H4-EAD", "USC/GC/GC-EAD/H4-EAD"), ("USC", "GC", "GC-EAD", "H4-EAD")),
    (0.16, ("No OPT/CPT", "Any visa except OPT/CPT"), tuple(v for v in VISAS if v not in ("OPT", "CPT", "STEM-OPT"))),
    (0.12, ("USC, GC, H1B (no OPT)", "H1B, GC, USC"), ("USC", "GC", "H1B")),
    (0.10, ("No H1B", "No H1B transfers", "Can't do H1B"), tuple(v for v in VISAS if v != "H1B")),
    (0.10, ("USC only (security clearance)", "USC only"), ("USC",)),
)

# ---------------------------------------------------------------------------------------------------- companies
CLIENT_INDUSTRIES = ("banking", "insurance", "healthcare", "retail", "telecom", "government", "manufacturing",
                     "energy", "media", "fintech")
CLIENT_STEMS = (
    "First Carolina", "Lone Star", "Great Lakes", "Pacific Crest", "Summit", "Keystone", "Harborview", "Blue Ridge",
    "Cascadia", "Prairie", "Northwind", "Silver Oak", "Granite State", "Bayshore", "Red River", "Golden Gate",
    "Magnolia", "Evergreen", "Liberty", "Heartland", "Tri-State", "Sunbelt", "Midwest", "Atlantic", "Frontier",
    "Pinecrest", "Ironwood", "Riverbend", "Crescent", "Mesa", "Highland", "Bluewater", "Cedar", "Union",
)
INDUSTRY_SUFFIX = {
    "banking": ("Bank", "Bancorp", "Financial", "Trust"), "insurance": ("Mutual Insurance", "Insurance Group",
    "Casualty"), "healthcare": ("Health", "Health System", "Medical Group"), "retail": ("Retail", "Stores",
    "Outfitters"), "telecom": ("Telecom", "Wireless", "Communications"), "government": ("State Agency",
    "Department of Revenue", "Transit Authority"), "manufacturing": ("Manufacturing", "Industries", "Motors"),
    "energy": ("Energy", "Power & Light", "Utilities"), "media": ("Media", "Broadcasting"), "fintech": ("Pay",
    "Capital", "Fintech"),
}
HIDDEN_CLIENT = {  # how a vendor hides an end client
    "banking": ("Fortune 500 bank", "a leading financial client", "Top-5 US bank"),
    "insurance": ("Fortune 500 insurance client", "a large P&C insurer"),
    "healthcare": ("a major healthcare provider", "Healthcare client"),
    "retail": ("Fortune 100 retailer", "Retail client"),
    "telecom": ("a Tier-1 telecom client", "Telecom client"),
    "government": ("State client", "a state agency (via prime vendor)", "Public sector client"),
    "manufacturing": ("Fortune 500 manufacturer", "Manufacturing client"),
    "energy": ("a utilities client", "Energy client"),
    "media": ("Media client", "a streaming company"),
    "fintech": ("a payments company", "Fintech client"),
}
VENDOR_NAMES = (
    "Tekvision Solutions", "Infoserve Global", "Cognitrix Systems", "Nexgen IT Services", "Sysmind Technologies",
    "Brightpath Consulting", "Vertex Infotech", "Quadrant Tech Partners", "Pinnacle Staffing Group",
    "Zentek Systems", "Amaze IT Solutions", "Synergy Tech Resources", "Iconic Infosys", "Stratus IT Group",
    "Helix Software Labs", "Orbit Talent Solutions", "Kairos Technologies", "Sparta Consulting", "Eminent IT",
    "Nukon Systems", "Dataspark Inc", "Procyon Tech", "Apton Staffing", "Cyberwave Solutions", "Veritas IT Corp",
    "Trident Consulting Group", "Everest Infotech", "Nova Tech Staffing", "Arkin Systems", "Lumina Technologies",
    "Radiant IT Services", "Skyline Global IT", "Intellibee Systems", "Mindtrack Solutions", "Cerebra Consulting",
    "Jupiter Tech Partners", "Rapid IT Staffing", "Bluecrest Systems", "Optima IT Solutions", "Primus Global",
)
PRIME_VENDOR_NAMES = (
    "Global Systems Integrators", "Meridian Consulting Services", "Titan Technology Partners",
    "Northstar Digital Services", "Crestline Solutions Group", "Capstone IT Partners", "Apex Integration Group",
    "Sterling Digital Consulting", "Vanguard Tech Services", "Continental Software Partners",
    "Atlas Enterprise Solutions", "Keystone Delivery Group",
)
MSP_NAMES = ("TalentBridge MSP", "Workforce Logic Partners", "ClearPath Workforce Solutions", "OptiStaff MSP")
VMS_NAMES = ("Beeline", "Fieldglass", "VNDLY", "IQNavigator")

RECRUITERS = (  # (full name, role)
    ("Ramya Kandula", "Owner"), ("Vikram Sethi", "Admin"), ("Sowmya Reddy", "Recruiter"),
    ("Kiran Vemula", "Recruiter"), ("Meghana Rao", "Recruiter"), ("Tyler Brooks", "Recruiter"),
    ("Haritha Naidu", "Recruiter"), ("Arun Pothula", "Sales"), ("Lisa Grant", "Analyst"),
)

CONTACT_TITLES = ("Technical Recruiter", "Sr. Technical Recruiter", "Account Manager", "Delivery Manager",
                  "Talent Acquisition Specialist", "Lead Recruiter", "Vendor Manager")

DEGREES = ("Bachelor of Technology in Computer Science, JNTU Hyderabad",
           "Master of Science in Computer Science, University of Texas at Dallas",
           "Master of Science in Information Systems, Northeastern University",
           "Bachelor of Engineering in Electronics, Anna University",
           "Master of Science in Data Science, University of North Texas",
           "Bachelor of Science in Computer Science, Rutgers University",
           "Master of Computer Applications, Osmania University",
           "Bachelor of Science in Information Technology, Georgia State University")
